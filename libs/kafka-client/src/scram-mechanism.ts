import { createHmac, pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/** The SCRAM mechanisms Kafka supports (RFC 7677 SCRAM-SHA-256 and SCRAM-SHA-512; no -PLUS variants). */
export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** Per-mechanism parameters, as Kafka's `ScramMechanism` enum has them. */
export interface ScramMechanismInfo {
  readonly name: ScramMechanism;
  /** Kafka's type code (AlterUserScramCredentials / DescribeUserScramCredentials `mechanism`). */
  readonly type: 1 | 2;
  /** node:crypto hash name. */
  readonly hash: 'sha256' | 'sha512';
  /** Output size of the hash, and so of SaltedPassword, StoredKey, ServerKey and ClientProof. */
  readonly digestBytes: number;
  readonly minIterations: number;
  readonly maxIterations: number;
}

export const SCRAM_MECHANISMS: Readonly<Record<ScramMechanism, ScramMechanismInfo>> = Object.freeze({
  'SCRAM-SHA-256': Object.freeze({
    name: 'SCRAM-SHA-256',
    type: 1,
    hash: 'sha256',
    digestBytes: 32,
    minIterations: 4096,
    maxIterations: 16384,
  }),
  'SCRAM-SHA-512': Object.freeze({
    name: 'SCRAM-SHA-512',
    type: 2,
    hash: 'sha512',
    digestBytes: 64,
    minIterations: 4096,
    maxIterations: 16384,
  }),
});

export function isScramMechanism(name: string): name is ScramMechanism {
  return Object.hasOwn(SCRAM_MECHANISMS, name);
}

/** RFC 5802 saslname → user name: `=2C` is `,` and `=3D` is `=` (Kafka's `ScramFormatter.username`). */
export function scramUsername(saslName: string): string {
  return saslName.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

/** User name → RFC 5802 saslname (Kafka's `ScramFormatter.saslName`). */
export function scramSaslName(username: string): string {
  return username.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

// Kafka's ScramMessages grammar (Java character classes such as [\x01-\x7F&&[^=,]] spelled out).
const VALUE_SAFE = '[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]';
const VALUE = '[\\x01-\\x2B\\x2D-\\x7F]+';
const PRINTABLE = '[\\x21-\\x2B\\x2D-\\x7E]+';
const SASLNAME = `(?:${VALUE_SAFE}|=2C|=3D)+`;
const BASE64_CHAR = '[a-zA-Z0-9/+]';
const BASE64 = `(?:${BASE64_CHAR}{4})*(?:${BASE64_CHAR}{3}=|${BASE64_CHAR}{2}==)?`;
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;

/** The grammar's pieces, for the server side's client-message patterns. */
export const SCRAM_GRAMMAR = Object.freeze({ VALUE_SAFE, VALUE, PRINTABLE, SASLNAME, BASE64, EXTENSIONS });
/** A whole string of printable ASCII without ',' (a nonce). */
export const PRINTABLE_ONLY = new RegExp(`^${PRINTABLE}$`);
/** server-first-message: `[m=…,]r=nonce,s=salt,i=iterations[,ext=value…]` (Kafka's ServerFirstMessage). */
export const SERVER_FIRST = new RegExp(
  `^(?:m=${VALUE},)?r=(?<nonce>${PRINTABLE}),s=(?<salt>${BASE64}),i=(?<iterations>[0-9]+)${EXTENSIONS}$`,
);
/** server-final-message: `e=error` or `v=ServerSignature` (Kafka's ServerFinalMessage). */
export const SERVER_FINAL = new RegExp(`^(?:e=(?<error>${VALUE_SAFE}+)|v=(?<signature>${BASE64}))${EXTENSIONS}$`);

/** HMAC(key, data) with the mechanism's hash, `data` as UTF-8 (RFC 5802's HMAC). */
export function hmac(info: ScramMechanismInfo, key: Buffer, data: string): Buffer {
  return createHmac(info.hash, key).update(data, 'utf8').digest();
}

/**
 * SaltedPassword = Hi(password, salt, iterations): PBKDF2 with the mechanism's HMAC (RFC 5802), as
 * Kafka's ScramFormatter.hi; on libuv's thread pool (thousands of HMACs).
 */
export function scramSaltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  const info = SCRAM_MECHANISMS[mechanism];
  return pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, info.digestBytes, info.hash);
}
