/**
 * Per field type: its TypeScript type, its wire form at a given layout (the Reader/Writer
 * call, the protocol-guide type name), its default literal and its "is default" test.
 * Arrays and structs are composed from these by emit-message.ts.
 */
import type { DefaultValue, FieldLayout, FieldSpec, FieldType, PrimitiveKind } from './spec.ts';

interface PrimitiveCodegen {
  readonly tsType: string;
  /** Reader/Writer method for the given layout (same name on both sides). */
  method(layout: FieldLayout): string;
  /** Extra arguments of the Reader call (after the field name). */
  readArgs?(field: FieldSpec | undefined): string;
  /** The protocol guide's name for the wire type. */
  grammar(layout: FieldLayout): string;
}

function fixed(tsType: string, method: string, grammar: string): PrimitiveCodegen {
  return { tsType, method: () => method, grammar: () => grammar };
}

function variable(kind: 'String' | 'Bytes', grammarName: string): Omit<PrimitiveCodegen, 'tsType'> {
  const lower = kind.toLowerCase();
  return {
    method: (l) => (l.compact ? (l.nullable ? `compactNullable${kind}` : `compact${kind}`) : l.nullable ? `nullable${kind}` : lower),
    grammar: (l) => `${l.compact ? 'COMPACT_' : ''}${l.nullable ? 'NULLABLE_' : ''}${grammarName}`,
  };
}

export const PRIMITIVES: Record<PrimitiveKind, PrimitiveCodegen> = {
  bool: fixed('boolean', 'bool', 'BOOLEAN'),
  int8: fixed('number', 'int8', 'INT8'),
  int16: fixed('number', 'int16', 'INT16'),
  uint16: fixed('number', 'uint16', 'UINT16'),
  int32: fixed('number', 'int32', 'INT32'),
  uint32: fixed('number', 'uint32', 'UINT32'),
  int64: fixed('bigint', 'int64', 'INT64'),
  float64: fixed('number', 'float64', 'FLOAT64'),
  uuid: fixed('string', 'uuid', 'UUID'),
  string: { tsType: 'string', ...variable('String', 'STRING') },
  // Non-zero-copy bytes are copied out of the frame; zeroCopy bytes are slices of it.
  bytes: { tsType: 'Buffer', ...variable('Bytes', 'BYTES'), readArgs: (f) => (f?.zeroCopy === true ? 'true' : 'false') },
  // Record sets are always slices of the frame: the broker never copies them.
  records: {
    tsType: 'Buffer',
    ...variable('Bytes', 'RECORDS'),
    grammar: (l) => `${l.compact ? 'COMPACT_' : ''}${l.nullable ? 'NULLABLE_' : ''}RECORDS`,
    readArgs: () => 'true',
  },
};

/** The TypeScript type of a value of `type` (without the field-level `| null`). */
export function tsTypeOf(type: FieldType): string {
  switch (type.kind) {
    case 'primitive':
      return PRIMITIVES[type.name].tsType;
    case 'struct':
      return type.struct.tsName;
    case 'array': {
      const element = tsTypeOf(type.element);
      return `${element}[]`;
    }
  }
}

export function fieldTsType(field: FieldSpec): string {
  return field.nullableType ? `${tsTypeOf(field.type)} | null` : tsTypeOf(field.type);
}

/** An expression for a fresh default value. */
export function defaultLiteral(field: FieldSpec): string {
  return defaultValueLiteral(field.default, field.type);
}

function defaultValueLiteral(d: DefaultValue, type: FieldType): string {
  switch (d.kind) {
    case 'null':
      return 'null';
    case 'number':
      return Object.is(d.value, -0) ? '-0' : String(d.value);
    case 'bigint':
      return `${d.value}n`;
    case 'bool':
      return String(d.value);
    case 'string':
      return JSON.stringify(d.value);
    case 'zeroUuid':
      return 'ZERO_UUID';
    case 'emptyBytes':
      return 'EMPTY_BYTES';
    case 'emptyArray':
      return '[]';
    case 'struct':
      if (type.kind !== 'struct') throw new Error('struct default on a non-struct');
      return `default${type.struct.tsName}()`;
  }
}

/** A boolean expression: whether `v` holds the field's default (Kafka's "non-default" test, negated). */
export function isDefaultExpr(field: FieldSpec, v: string): string {
  const d = field.default;
  const nonNull = (expr: string): string => (field.nullableType ? `(${v} !== null && ${expr})` : expr);
  switch (d.kind) {
    case 'null':
      return `${v} === null`;
    case 'number':
    case 'bigint':
    case 'bool':
    case 'string':
      return `${v} === ${defaultValueLiteral(d, field.type)}`;
    case 'zeroUuid':
      return `${v} === ZERO_UUID`;
    case 'emptyBytes':
    case 'emptyArray':
      return nonNull(`${v}.length === 0`);
    case 'struct':
      if (field.type.kind !== 'struct') throw new Error('struct default on a non-struct');
      return nonNull(`isDefault${field.type.struct.tsName}(${v})`);
  }
}

/** The protocol guide's type name of a primitive at a layout (arrays and structs are spelled by the caller). */
export function grammarType(name: PrimitiveKind, layout: FieldLayout): string {
  return PRIMITIVES[name].grammar(layout);
}

export function readCall(name: PrimitiveKind, layout: FieldLayout, fieldPath: string, field: FieldSpec | undefined): string {
  const p = PRIMITIVES[name];
  const extra = p.readArgs === undefined ? '' : `, ${p.readArgs(field)}`;
  return `r.${p.method(layout)}(${fieldPath}${extra})`;
}

export function writeCall(name: PrimitiveKind, layout: FieldLayout, writer: string, value: string, fieldPath: string): string {
  return `${writer}.${PRIMITIVES[name].method(layout)}(${value}, ${fieldPath});`;
}
