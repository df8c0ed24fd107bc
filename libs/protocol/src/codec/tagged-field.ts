/**
 * A tagged field that the decoding version does not know (a newer tag, or a tag that this
 * version does not define). Decoders collect them in `unknownTaggedFields` and encoders
 * write them back, so a message passes through unchanged.
 */
export interface TaggedField {
  readonly tag: number;
  /** The field's value, without its tag and size prefix. */
  readonly data: Buffer;
}
