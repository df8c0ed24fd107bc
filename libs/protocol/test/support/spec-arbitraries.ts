/**
 * fast-check arbitraries built at run time from the vendored specs (through the generator's
 * own spec model), independently of the generated code: values valid for one version of a
 * message, including nulls, empty and non-empty arrays, tagged fields at and off their
 * defaults, and unknown tagged fields.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  contains,
  isFlexible,
  layoutOf,
  loadSpecs,
  type FieldLayout,
  type FieldSpec,
  type FieldType,
  type MessageSpec,
  type PrimitiveKind,
  type StructSpec,
} from '../../codegen/spec.ts';

export const SPEC_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'spec');

let cache: MessageSpec[] | undefined;
export function specs(): MessageSpec[] {
  cache ??= loadSpecs(SPEC_DIR);
  return cache;
}

export function versionList(spec: MessageSpec): number[] {
  const out: number[] = [];
  for (let v = spec.validVersions.min; v <= spec.validVersions.max; v++) out.push(v);
  return out;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function hexUuid(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The default value of a field as the spec README defines it. */
export function defaultOf(field: FieldSpec): unknown {
  const d = field.default;
  switch (d.kind) {
    case 'null':
      return null;
    case 'number':
    case 'bigint':
    case 'bool':
    case 'string':
      return d.value;
    case 'zeroUuid':
      return ZERO_UUID;
    case 'emptyBytes':
      return Buffer.alloc(0);
    case 'emptyArray':
      return [];
    case 'struct':
      if (field.type.kind !== 'struct') throw new Error('struct default on non-struct');
      return defaultStruct(field.type.struct);
  }
}

export function defaultStruct(struct: StructSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of struct.fields) out[f.propName] = defaultOf(f);
  return out;
}

function primitive(name: PrimitiveKind): fc.Arbitrary<unknown> {
  switch (name) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer();
    case 'uint32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 6 });
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map(hexUuid);
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a));
  }
}

function typeArb(spec: MessageSpec, type: FieldType, version: number): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'primitive':
      return primitive(type.name);
    case 'struct':
      return structArb(spec, type.struct, version);
    case 'array':
      return fc.array(typeArb(spec, type.element, version), { maxLength: 3, size: 'max' });
  }
}

function fieldArb(spec: MessageSpec, field: FieldSpec, layout: FieldLayout, version: number): fc.Arbitrary<unknown> {
  let arb = typeArb(spec, field.type, version);
  if (layout.nullable) arb = fc.option(arb, { nil: null, freq: 4 });
  // Tagged fields are only written when they differ from their default: exercise both.
  if (layout.tagged) arb = fc.oneof(fc.constant(defaultOf(field)), arb);
  return arb;
}

/** Unknown tagged fields for a struct at a version: undefined or a sorted, non-empty list. */
function unknownTagsArb(known: readonly number[]): fc.Arbitrary<unknown> {
  const tags = fc
    .uniqueArray(
      fc.integer({ min: 0, max: 300 }).filter((t) => !known.includes(t)),
      { minLength: 1, maxLength: 3 },
    )
    .map((t) => t.sort((a, b) => a - b));
  const withData = tags.chain((ts) =>
    fc.tuple(...ts.map((tag) => fc.uint8Array({ maxLength: 5 }).map((d) => ({ tag, data: Buffer.from(d) })))),
  );
  return fc.option(withData, { nil: undefined, freq: 2 });
}

const structCache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

export function structArb(spec: MessageSpec, struct: StructSpec, version: number): fc.Arbitrary<Record<string, unknown>> {
  const key = `${spec.name}/${struct.name}/${version}`;
  const cached = structCache.get(key);
  if (cached !== undefined) return cached;
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const known: number[] = [];
  for (const f of struct.fields) {
    const layout = layoutOf(spec, f, version);
    if (!layout.present) {
      model[f.propName] = fc.constant(null).map(() => defaultOf(f));
      continue;
    }
    if (layout.tagged) known.push(f.tag!);
    model[f.propName] = fieldArb(spec, f, layout, version);
  }
  if (spec.hasFlexible) {
    model['unknownTaggedFields'] = isFlexible(spec, version) ? unknownTagsArb(known) : fc.constant(undefined);
  }
  const arb = fc.record(model);
  structCache.set(key, arb);
  return arb;
}

export function messageArb(spec: MessageSpec, version: number): fc.Arbitrary<Record<string, unknown>> {
  if (!contains(spec.validVersions, version)) throw new Error(`${spec.name} v${version} is not valid`);
  return structArb(spec, spec.root, version);
}
