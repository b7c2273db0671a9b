import { SecretBox, SecretBoxError } from './secret-box.js';

const KEY = 'k'.repeat(40);

describe('SecretBox', () => {
  it('opens what it sealed, and the sealed form does not contain the secret', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('whsec_abc');
    expect(sealed).not.toContain('abc');
    expect(box.open(sealed)).toBe('whsec_abc');
    expect(box.seal('whsec_abc')).not.toBe(sealed);
  });

  it('refuses a value sealed under another key and an altered value', () => {
    const sealed = new SecretBox(KEY).seal('whsec_abc');
    expect(() => new SecretBox('z'.repeat(40)).open(sealed)).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => new SecretBox(KEY).open(parts.join('.'))).toThrow('altered');
    expect(() => new SecretBox(KEY).open('plain')).toThrow('not a sealed secret');
  });
});
