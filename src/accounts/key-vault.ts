import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The key vault: provider API keys are stored only as AES-256-GCM ciphertext under the master key
 * `ENCRYPTION_KEY` (32 bytes). A sealed key is `v1.<base64url(iv | tag | ciphertext)>`: a fresh
 * 12-byte IV per seal, and the 16-byte tag makes any tampering (or the wrong master key) fail loudly.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Binds ciphertexts to their purpose: a sealed key cannot be passed off as another kind of secret. */
const AAD = Buffer.from('flexybot:provider-api-key:v1');

/** How to make one, for messages and docs. */
export const ENCRYPTION_KEY_HINT = '32 bytes, base64 (openssl rand -base64 32) or 64 hex characters (openssl rand -hex 32)';

/** A 32-byte master key from 64 hex characters or base64 (standard or url-safe); undefined when it is not one. */
export function parseEncryptionKey(raw: string): Buffer | undefined {
  const text = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

export class KeyVault {
  private readonly key: Buffer;

  constructor(masterKey: Buffer | string) {
    const key = typeof masterKey === 'string' ? parseEncryptionKey(masterKey) : masterKey;
    if (!key || key.length !== 32) throw new Error(`KeyVault: the master key must be ${ENCRYPTION_KEY_HINT}`);
    this.key = Buffer.from(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** Throws VaultError when the text was not sealed under this master key (or was altered). */
  open(sealed: string): string {
    const [version, payload] = sealed.split('.', 2);
    if (version !== VERSION || !payload) throw new VaultError('not a sealed key of a known version');
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) throw new VaultError('sealed key too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError('sealed key does not open with this master key');
    }
  }

  /** Whether `sealed` opens with this master key (key rotation skips what is already re-sealed). */
  opens(sealed: string): boolean {
    try {
      this.open(sealed);
      return true;
    } catch {
      return false;
    }
  }
}

/** Never carries the key or the plaintext: only what went wrong. */
export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}
