/**
 * The model of Kafka's message-definition language (spec/README.md), read from the vendored
 * JSON files. Everything the emitters need is resolved here once: version ranges, field
 * types, struct references (inline, common, re-used), defaults, tags. The emitters never
 * look at raw JSON.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** An inclusive version range; `max` is Infinity for open ranges ("3+"), and an empty range has min > max. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export const NO_VERSIONS: VersionRange = { min: 0, max: -1 };

export function parseVersions(text: string | undefined, what: string): VersionRange {
  if (text === undefined || text === 'none') return NO_VERSIONS;
  const s = text.trim();
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`${what}: bad version range ${JSON.stringify(text)}`);
}

export function contains(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

export function isEmpty(range: VersionRange): boolean {
  return range.min > range.max;
}

export function formatRange(range: VersionRange): string {
  if (isEmpty(range)) return 'none';
  if (range.max === Infinity) return `${range.min}+`;
  if (range.min === range.max) return `${range.min}`;
  return `${range.min}-${range.max}`;
}

export type PrimitiveKind =
  'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64' | 'string' | 'uuid' | 'bytes' | 'records';

export const PRIMITIVE_KINDS: readonly PrimitiveKind[] = [
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'uuid',
  'bytes',
  'records',
];

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveKind }
  | { readonly kind: 'struct'; readonly struct: StructSpec }
  | { readonly kind: 'array'; readonly element: FieldType };

/** A field's default, already interpreted for its type. */
export type DefaultValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'bigint'; readonly value: bigint }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'zeroUuid' }
  | { readonly kind: 'emptyBytes' }
  | { readonly kind: 'emptyArray' }
  | { readonly kind: 'struct' };

export interface FieldSpec {
  /** The spec name, e.g. `TransactionalId`. */
  readonly name: string;
  /** The TypeScript property name, e.g. `transactionalId`. */
  readonly propName: string;
  /** The protocol-guide name, e.g. `transactional_id`. */
  readonly snakeName: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  /** Field-level override of the message's flexible versions (only RequestHeader.ClientId uses it). */
  readonly flexibleVersions: VersionRange | undefined;
  readonly tag: number | undefined;
  readonly taggedVersions: VersionRange;
  readonly ignorable: boolean;
  readonly mapKey: boolean;
  readonly zeroCopy: boolean;
  readonly entityType: string | undefined;
  readonly about: string | undefined;
  readonly default: DefaultValue;
  /** Whether the TypeScript type admits null (nullable in some version, or a null default). */
  readonly nullableType: boolean;
}

export interface StructSpec {
  /** The spec name, e.g. `TopicProduceData`. */
  readonly name: string;
  /** The exported TypeScript name, e.g. `ProduceRequestTopicProduceData`. */
  readonly tsName: string;
  readonly fields: FieldSpec[];
  readonly isRoot: boolean;
  readonly isCommon: boolean;
}

export type MessageType = 'request' | 'response' | 'header' | 'data';

export interface MessageSpec {
  readonly fileName: string;
  readonly name: string;
  /** The exported TypeScript name of the root struct (headers get a `Data` suffix). */
  readonly tsName: string;
  readonly type: MessageType;
  readonly apiKey: number | undefined;
  readonly listeners: readonly string[];
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly deprecatedVersions: VersionRange;
  readonly latestVersionUnstable: boolean;
  readonly root: StructSpec;
  /** Every struct of the message, root first, then in definition order. */
  readonly structs: StructSpec[];
  /** Whether any version is flexible (so structs carry unknown tagged fields). */
  readonly hasFlexible: boolean;
  /** The generated module's file name without extension, e.g. `produce-request`. */
  readonly moduleName: string;
}

/** Strips `//` comments (outside of strings) so the files parse as JSON. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i++;
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Kafka's MessageGenerator.toSnakeCase: an underscore before every upper-case letter but the first. */
export function toSnakeCase(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charAt(i);
    if (c >= 'A' && c <= 'Z') {
      if (i > 0) out += '_';
      out += c.toLowerCase();
    } else {
      out += c;
    }
  }
  return out;
}

export function toKebabCase(name: string): string {
  return toSnakeCase(name).replace(/_/g, '-');
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  flexibleVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  ignorable?: boolean;
  mapKey?: boolean;
  zeroCopy?: boolean;
  entityType?: string;
  about?: string;
  default?: string | number | boolean;
  fields?: RawField[];
}

interface RawMessage {
  apiKey?: number;
  type: MessageType;
  listeners?: string[];
  name: string;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  fields?: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-9223372036854775808n, 9223372036854775807n],
};

function parseIntegerDefault(raw: string | number, type: string, where: string): bigint {
  const s = String(raw).trim();
  let value: bigint;
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  if (/^0x[0-9a-f]+$/i.test(body)) value = BigInt(body);
  else if (/^0[0-7]+$/.test(body)) value = BigInt('0o' + body.slice(1));
  else if (/^\d+$/.test(body)) value = BigInt(body);
  else throw new Error(`${where}: bad ${type} default ${JSON.stringify(raw)}`);
  if (neg) value = -value;
  const range = INT_RANGES[type];
  if (range === undefined || value < range[0] || value > range[1]) {
    throw new Error(`${where}: default ${s} does not fit ${type}`);
  }
  return value;
}

class MessageParser {
  private readonly raw: RawMessage;
  private readonly file: string;
  private readonly structs = new Map<string, StructSpec>();
  private readonly order: StructSpec[] = [];
  private readonly commonRaw = new Map<string, { name: string; fields: RawField[] }>();
  private readonly tsPrefix: string;

  constructor(raw: RawMessage, file: string) {
    this.raw = raw;
    this.file = file;
    this.tsPrefix = raw.name;
    for (const c of raw.commonStructs ?? []) this.commonRaw.set(c.name, c);
  }

  parse(): MessageSpec {
    const raw = this.raw;
    const type = raw.type;
    if (!['request', 'response', 'header', 'data'].includes(type)) {
      throw new Error(`${this.file}: unknown message type ${type}`);
    }
    const tsName = type === 'header' ? `${raw.name}Data` : raw.name;
    const root: StructSpec = { name: raw.name, tsName, fields: [], isRoot: true, isCommon: false };
    this.order.push(root);
    this.structs.set(raw.name, root);
    // Common structs are registered first so that references resolve regardless of order.
    for (const c of this.commonRaw.values()) this.declareStruct(c.name, true);
    for (const c of this.commonRaw.values()) {
      const s = this.structs.get(c.name)!;
      s.fields.push(...c.fields.map((f) => this.field(f, c.name)));
    }
    root.fields.push(...(raw.fields ?? []).map((f) => this.field(f, raw.name)));
    const flexibleVersions = parseVersions(raw.flexibleVersions, `${this.file} flexibleVersions`);
    const validVersions = parseVersions(raw.validVersions, `${this.file} validVersions`);
    const spec: MessageSpec = {
      fileName: this.file,
      name: raw.name,
      tsName,
      type,
      apiKey: raw.apiKey,
      listeners: raw.listeners ?? [],
      validVersions,
      flexibleVersions,
      deprecatedVersions: parseVersions(raw.deprecatedVersions, `${this.file} deprecatedVersions`),
      latestVersionUnstable: raw.latestVersionUnstable === true,
      root,
      structs: this.order,
      hasFlexible: !isEmpty(flexibleVersions) && flexibleVersions.min <= validVersions.max,
      moduleName: toKebabCase(raw.name).replace(/^k-raft/, 'kraft'),
    };
    validateMessage(spec);
    return spec;
  }

  private declareStruct(name: string, isCommon: boolean): StructSpec {
    if (this.structs.has(name)) throw new Error(`${this.file}: struct ${name} defined twice`);
    const tsName = name.startsWith(this.tsPrefix) ? name : `${this.tsPrefix}${name}`;
    const s: StructSpec = { name, tsName, fields: [], isRoot: false, isCommon };
    this.structs.set(name, s);
    this.order.push(s);
    return s;
  }

  private structType(name: string, raw: RawField, where: string): StructSpec {
    if (raw.fields !== undefined) {
      if (this.commonRaw.has(name)) throw new Error(`${where}: ${name} is a common struct but has inline fields`);
      const s = this.declareStruct(name, false);
      s.fields.push(...raw.fields.map((f) => this.field(f, name)));
      return s;
    }
    const s = this.structs.get(name);
    if (s === undefined) throw new Error(`${where}: unknown struct type ${name}`);
    return s;
  }

  private type(typeName: string, raw: RawField, where: string): FieldType {
    if (typeName.startsWith('[]')) {
      const element = this.type(typeName.slice(2), raw, where);
      if (element.kind === 'array') throw new Error(`${where}: arrays of arrays are not part of the language`);
      if (element.kind === 'primitive' && element.name === 'records') {
        throw new Error(`${where}: arrays of records are not part of the language`);
      }
      return { kind: 'array', element };
    }
    if ((PRIMITIVE_KINDS as readonly string[]).includes(typeName)) {
      if (raw.fields !== undefined) throw new Error(`${where}: primitive ${typeName} with fields`);
      return { kind: 'primitive', name: typeName as PrimitiveKind };
    }
    if (/^[A-Z]/.test(typeName)) return { kind: 'struct', struct: this.structType(typeName, raw, where) };
    throw new Error(`${where}: unknown type ${typeName}`);
  }

  private field(raw: RawField, owner: string): FieldSpec {
    const where = `${this.file} ${owner}.${raw.name}`;
    const type = this.type(raw.type, raw, where);
    const versions = parseVersions(raw.versions, `${where} versions`);
    const nullableVersions = parseVersions(raw.nullableVersions, `${where} nullableVersions`);
    const taggedVersions = parseVersions(raw.taggedVersions, `${where} taggedVersions`);
    let tag: number | undefined;
    if (raw.tag !== undefined) {
      tag = Number(raw.tag);
      if (!Number.isInteger(tag) || tag < 0) throw new Error(`${where}: bad tag ${String(raw.tag)}`);
      if (isEmpty(taggedVersions)) throw new Error(`${where}: tag without taggedVersions`);
      if (taggedVersions.max !== Infinity) throw new Error(`${where}: taggedVersions must be open-ended`);
      if (taggedVersions.min !== versions.min || versions.max !== Infinity) {
        // Kafka requires a tagged field to be tagged in every version it exists in.
        throw new Error(`${where}: versions ${formatRange(versions)} differ from taggedVersions`);
      }
    } else if (!isEmpty(taggedVersions)) {
      throw new Error(`${where}: taggedVersions without tag`);
    }
    if (!isEmpty(nullableVersions)) {
      const nullableOk =
        type.kind === 'array' ||
        type.kind === 'struct' ||
        (type.kind === 'primitive' && ['string', 'bytes', 'records', 'uuid'].includes(type.name));
      if (!nullableOk) throw new Error(`${where}: type ${raw.type} cannot be nullable`);
    }
    const dflt = this.default(raw, type, nullableVersions, where);
    return {
      name: raw.name,
      propName: lowerFirst(raw.name),
      snakeName: toSnakeCase(raw.name),
      type,
      versions,
      nullableVersions,
      flexibleVersions: raw.flexibleVersions === undefined ? undefined : parseVersions(raw.flexibleVersions, `${where} flexibleVersions`),
      tag,
      taggedVersions,
      ignorable: raw.ignorable === true,
      mapKey: raw.mapKey === true,
      zeroCopy: raw.zeroCopy === true,
      entityType: raw.entityType,
      about: raw.about,
      default: dflt,
      nullableType: !isEmpty(nullableVersions) || dflt.kind === 'null',
    };
  }

  private default(raw: RawField, type: FieldType, nullable: VersionRange, where: string): DefaultValue {
    const d = raw.default;
    if (d === 'null') {
      if (isEmpty(nullable)) throw new Error(`${where}: null default on a non-nullable field`);
      return { kind: 'null' };
    }
    if (type.kind === 'array') {
      if (d !== undefined) throw new Error(`${where}: arrays cannot have a custom default`);
      return { kind: 'emptyArray' };
    }
    if (type.kind === 'struct') {
      if (d !== undefined) throw new Error(`${where}: structs cannot have a custom default`);
      return { kind: 'struct' };
    }
    switch (type.name) {
      case 'bool':
        if (d === undefined) return { kind: 'bool', value: false };
        if (d === true || d === 'true') return { kind: 'bool', value: true };
        if (d === false || d === 'false') return { kind: 'bool', value: false };
        throw new Error(`${where}: bad bool default ${JSON.stringify(d)}`);
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
        return { kind: 'number', value: d === undefined ? 0 : Number(parseIntegerDefault(d as string | number, type.name, where)) };
      case 'int64':
        return { kind: 'bigint', value: d === undefined ? 0n : parseIntegerDefault(d as string | number, 'int64', where) };
      case 'float64': {
        if (d === undefined) return { kind: 'number', value: 0 };
        const v = Number(d);
        if (Number.isNaN(v) && String(d) !== 'NaN') throw new Error(`${where}: bad float64 default`);
        return { kind: 'number', value: v };
      }
      case 'string':
        if (d === undefined) return { kind: 'string', value: '' };
        if (typeof d !== 'string') throw new Error(`${where}: bad string default`);
        return { kind: 'string', value: d };
      case 'uuid':
        if (d !== undefined) throw new Error(`${where}: uuid fields cannot have a custom default`);
        return { kind: 'zeroUuid' };
      case 'bytes':
        if (d !== undefined) throw new Error(`${where}: bytes fields cannot have a custom default`);
        return { kind: 'emptyBytes' };
      case 'records':
        if (d !== undefined) throw new Error(`${where}: records fields cannot have a custom default`);
        // Kafka defaults records to null; where the field is never nullable an empty buffer
        // stands in so that the TypeScript type can stay non-null.
        return isEmpty(nullable) ? { kind: 'emptyBytes' } : { kind: 'null' };
    }
  }
}

function validateMessage(spec: MessageSpec): void {
  for (const s of spec.structs) {
    const tags = new Map<number, string>();
    const names = new Set<string>();
    for (const f of s.fields) {
      if (names.has(f.propName)) throw new Error(`${spec.fileName}: duplicate field ${s.name}.${f.name}`);
      names.add(f.propName);
      if (f.propName === 'unknownTaggedFields') throw new Error(`${spec.fileName}: reserved field name ${f.name}`);
      if (f.tag !== undefined) {
        const other = tags.get(f.tag);
        if (other !== undefined) throw new Error(`${spec.fileName}: ${s.name}.${f.name} reuses tag ${f.tag} of ${other}`);
        tags.set(f.tag, f.name);
        if (isEmpty(spec.flexibleVersions) || f.taggedVersions.min < spec.flexibleVersions.min) {
          throw new Error(`${spec.fileName}: tagged field ${s.name}.${f.name} outside flexible versions`);
        }
      }
    }
  }
}

/**
 * The message, or undefined for one Kafka has removed: `"validVersions": "none"` and no
 * fields (the ZooKeeper-era inter-broker APIs in Kafka 4, which keep only their API key).
 */
export function parseMessage(text: string, fileName: string): MessageSpec | undefined {
  const raw = JSON.parse(stripJsonComments(text)) as RawMessage;
  if (raw.validVersions === 'none') {
    if (raw.fields !== undefined && raw.fields.length > 0) throw new Error(`${fileName}: validVersions none but has fields`);
    return undefined;
  }
  return new MessageParser(raw, fileName).parse();
}

/** Reads every `*.json` message definition in `specDir`, sorted by file name; removed ones are left out. */
export function loadSpecs(specDir: string): MessageSpec[] {
  return readdirSync(specDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseMessage(readFileSync(join(specDir, f), 'utf8'), f))
    .filter((spec) => spec !== undefined);
}

/** The versions of a message that exist: validVersions. */
export function versionsOf(spec: MessageSpec): number[] {
  const out: number[] = [];
  for (let v = spec.validVersions.min; v <= spec.validVersions.max; v++) out.push(v);
  return out;
}

export function isFlexible(spec: MessageSpec, version: number): boolean {
  return contains(spec.flexibleVersions, version);
}

/** How a field is laid out at one version of its message. */
export interface FieldLayout {
  readonly present: boolean;
  readonly tagged: boolean;
  readonly nullable: boolean;
  /** Compact (flexible) encoding for strings, bytes, records and arrays. */
  readonly compact: boolean;
}

export function layoutOf(spec: MessageSpec, field: FieldSpec, version: number): FieldLayout {
  const present = contains(field.versions, version);
  const flexible = isFlexible(spec, version);
  return {
    present,
    tagged: present && field.tag !== undefined && contains(field.taggedVersions, version),
    nullable: contains(field.nullableVersions, version),
    compact: flexible && (field.flexibleVersions === undefined || contains(field.flexibleVersions, version)),
  };
}
