export { MetadataModule } from './metadata.module.js';
export { MetadataService } from './metadata.service.js';
export { MetadataSubjects } from './subjects.js';
export { metadataConfig } from './config.js';
