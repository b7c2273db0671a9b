import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.runq/**', 'bench/results/**', '**/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']",
          message: 'Focused tests hide the rest of the suite.',
        },
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='skip']", message: 'Skipped tests are not allowed.' },
      ],
    },
  },
  {
    // Migrations and schema tools take Kysely<any>, as Kysely documents: they run against the
    // database as it is, not the app's `Database` type.
    files: ['packages/db/migrations/**/*.ts', 'packages/db/src/migrations.ts', 'packages/db/src/schema.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.test.ts', '**/testing.ts', '**/test-cases/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
