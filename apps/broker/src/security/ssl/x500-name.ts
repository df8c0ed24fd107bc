import type Forge from 'node-forge';
import { forge } from './forge.js';

/**
 * The attribute types Java's `X500Principal.getName()` (RFC 2253) prints by keyword; any other
 * type is printed as its dotted OID with the value as `#` and the hex of its DER encoding.
 */
const RFC2253_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.9', 'STREET'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
]);

/** ASN.1 string types Java prints as text (`AVA.isDerString`, non-canonical); other values are hex. */
const TEXT_TYPES: ReadonlySet<number> = new Set([
  19, // PrintableString
  20, // T61String
  22, // IA5String
  27, // GeneralString
  12, // UTF8String
  30, // BMPString
]);

/** Characters Java escapes with a backslash anywhere in an RFC 2253 value. */
const ESCAPED = ',=+<>#;"\\';

/**
 * The subject of a DER certificate as Java's `X500Principal.getName()` prints it (RFC 2253):
 * the RDNs last to first, comma-separated, multi-valued RDNs joined by `+` in their encoded
 * order. This is the string Kafka's principal builder hands to `ssl.principal.mapping.rules`,
 * e.g. `CN=alice,OU=eng,O=Strom,C=DE`.
 */
export function subjectDistinguishedName(certificateDer: Buffer): string {
  const certificate = forge().asn1.fromDer(forge().util.createBuffer(certificateDer.toString('binary')));
  const tbs = children(certificate)[0];
  if (tbs === undefined) throw new Error('not an X.509 certificate: no TBSCertificate');
  const fields = children(tbs);
  // TBSCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject.
  const offset = fields[0]?.tagClass === forge().asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const subject = fields[offset + 4];
  if (subject === undefined) throw new Error('not an X.509 certificate: no subject');
  return children(subject)
    .reverse()
    .map((rdn) =>
      children(rdn)
        .map((ava) => formatAva(ava))
        .join('+'),
    )
    .join(',');
}

function formatAva(ava: Forge.asn1.Asn1): string {
  const [type, value] = children(ava);
  if (type === undefined || value === undefined || type.type !== forge().asn1.Type.OID) throw new Error('malformed AttributeTypeAndValue');
  const oid = forge().asn1.derToOid(type.value as string);
  const keyword = RFC2253_KEYWORDS.get(oid);
  if (keyword === undefined || value.tagClass !== forge().asn1.Class.UNIVERSAL || !TEXT_TYPES.has(value.type) || value.constructed) {
    return `${keyword ?? oid}=#${forge().util.bytesToHex(forge().asn1.toDer(value).getBytes())}`;
  }
  return `${keyword}=${escapeValue(decodeText(value))}`;
}

function decodeText(value: Forge.asn1.Asn1): string {
  const bytes = Buffer.from(value.value as string, 'binary');
  if (value.type === forge().asn1.Type.UTF8) return bytes.toString('utf8');
  if (value.type === forge().asn1.Type.BMPSTRING) return bytes.swap16().toString('utf16le');
  return bytes.toString('latin1');
}

/** Java's `AVA.toRFC2253String`: special characters and NUL escaped, then leading and trailing spaces. */
function escapeValue(text: string): string {
  let escaped = '';
  for (const ch of text) {
    if (ESCAPED.includes(ch)) escaped += `\\${ch}`;
    else if (ch === '\u0000') escaped += '\\00';
    else escaped += ch;
  }
  const chars = [...escaped];
  let lead = 0;
  while (lead < chars.length && (chars[lead] === ' ' || chars[lead] === '\r')) lead++;
  let trail = chars.length - 1;
  while (trail >= 0 && (chars[trail] === ' ' || chars[trail] === '\r')) trail--;
  return chars.map((ch, i) => (i < lead || i > trail ? `\\${ch}` : ch)).join('');
}

function children(node: Forge.asn1.Asn1): Forge.asn1.Asn1[] {
  return Array.isArray(node.value) ? node.value : [];
}
