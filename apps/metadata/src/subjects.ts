/** Bus subjects the metadata service answers. */
export const MetadataSubjects = {
  /** Request: empty. Reply: JSON `{ version: string }` (the global metadata version). */
  version: 'strom.metadata.version',
} as const;
