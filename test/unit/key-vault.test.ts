import { describe, expect, it } from 'vitest';
import { KeyVault, VaultError, parseEncryptionKey } from '../../src/accounts/key-vault.js';

const KEY = '0b6f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const MASTER = Buffer.alloc(32, 3).toString('base64');

describe('key vault (AES-256-GCM)', () => {
  it('takes a 32-byte master key as base64 (standard or url-safe) or 64 hex, nothing else', () => {
    const bytes = Buffer.from([...Array(32).keys()]);
    expect(parseEncryptionKey(bytes.toString('base64'))).toEqual(bytes);
    expect(parseEncryptionKey(bytes.toString('base64url'))).toEqual(bytes);
    expect(parseEncryptionKey(bytes.toString('hex'))).toEqual(bytes);
    for (const bad of ['', 'short', Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64'), 'z'.repeat(64)]) {
      expect(parseEncryptionKey(bad)).toBeUndefined();
    }
  });

  it('seals a key into text that does not contain it and opens it back; each seal differs', () => {
    const vault = new KeyVault(MASTER);
    const a = vault.seal(KEY);
    const b = vault.seal(KEY);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain(KEY);
    expect(a).not.toBe(b);
    expect(vault.open(a)).toBe(KEY);
    expect(vault.open(b)).toBe(KEY);
  });

  it('refuses a ciphertext sealed under another master key or altered, without saying what it held', () => {
    const vault = new KeyVault(MASTER);
    const other = new KeyVault(Buffer.alloc(32, 4));
    const sealed = other.seal(KEY);
    expect(() => vault.open(sealed)).toThrow(VaultError);
    expect(vault.opens(sealed)).toBe(false);
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(other.opens(tampered)).toBe(false);
    expect(() => vault.open('plain-text')).toThrow(/not a sealed key/);
    try {
      vault.open(sealed);
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(KEY);
    }
  });
});
