import type { ErrorObject } from 'ajv/dist/2020.js';
import type { ValidationIssue } from './validation-issue.js';

/** Messages for formats; any other format reads "must be a valid <format>". */
const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  uuid: 'must be a UUID',
  'date-time': 'must be an RFC 3339 date-time',
  email: 'must be an email address',
  uri: 'must be an absolute URI',
};

const COMPARISONS: Readonly<Record<string, string>> = {
  '>': 'greater than',
  '>=': 'greater than or equal to',
  '<': 'less than',
  '<=': 'less than or equal to',
};

/**
 * Turns one Ajv error into an issue a client can act on. `required` and
 * `additionalProperties` point at the property itself rather than at its parent object.
 */
export function describeAjvError(error: ErrorObject): ValidationIssue {
  const path = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const limit = typeof params.limit === 'number' ? params.limit : Number.NaN;
  switch (error.keyword) {
    case 'required':
      return { path: joinPointer(path, String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return {
        path: joinPointer(path, String(params.additionalProperty)),
        message: 'is not allowed (unknown property)',
      };
    case 'type':
      return { path, message: describeTypes(typeList(params.type)) };
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return {
        path,
        message: allowed.length === 1 ? `must be ${JSON.stringify(allowed[0])}` : `must be one of: ${describeAllowedValues(allowed)}`,
      };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'format': {
      const format = String(params.format);
      return { path, message: FORMAT_MESSAGES[format] ?? `must be a valid ${format}` };
    }
    case 'minLength':
      return { path, message: limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long` };
    case 'maxLength':
      return { path, message: `must be at most ${limit} characters long` };
    case 'minItems':
      return { path, message: `must contain at least ${limit} ${limit === 1 ? 'item' : 'items'}` };
    case 'maxItems':
      return {
        path,
        message: limit === 0 ? 'must be an empty array' : `must contain at most ${limit} ${limit === 1 ? 'item' : 'items'}`,
      };
    case 'pattern':
      return { path, message: `must match the pattern ${String(params.pattern)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `must be ${COMPARISONS[String(params.comparison)] ?? 'within'} ${limit}` };
    case 'anyOf':
      return { path, message: 'does not match any of the allowed shapes' };
    case 'oneOf':
      return {
        path,
        message: Array.isArray(params.passingSchemas) ? 'matches more than one of the allowed shapes' : 'does not match any of the allowed shapes',
      };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

/** "must be a string", "must be a string or null", "must be a boolean or an integer". */
export function describeTypes(types: readonly string[]): string {
  if (types.length === 0) return 'is invalid';
  const named = types.map((type) => {
    if (type === 'null') return 'null';
    if (type === 'integer' || type === 'object' || type === 'array') return `an ${type}`;
    return `a ${type}`;
  });
  const last = named.pop();
  return named.length === 0 ? `must be ${last}` : `must be ${named.join(', ')} or ${last}`;
}

/** Allowed values as JSON literals: `"main_branch", "environment", null`. */
export function describeAllowedValues(values: unknown): string {
  return Array.isArray(values) ? values.map((value) => JSON.stringify(value)).join(', ') : '';
}

/** Appends one property name to a JSON pointer, escaping `~` and `/` (RFC 6901). */
export function joinPointer(pointer: string, property: string): string {
  return `${pointer}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function typeList(type: unknown): string[] {
  if (Array.isArray(type)) return type.map(String);
  return typeof type === 'string' ? type.split(',') : [];
}
