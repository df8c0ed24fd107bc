import { STROM_API_PATHS, STROM_API_SCHEMAS } from '../strom-api/openapi.js';
import { fullPath, INTEGER_PARAMS, type Route } from './route.js';
import { SCHEMAS } from './schemas.js';

const ERROR_RESPONSE = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

/**
 * The one OpenAPI 3.0 document of the admin API, served at `/v3/openapi.json` and `/strom/v1/openapi.json`:
 * the paths (from the root) of the route table with schemas from schemas.ts, and the record search and
 * overview of strom-api/, so the document cannot drift from what the code serves.
 */
export function openApiDocument(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [...route.path.matchAll(/\{([a-z_]+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: INTEGER_PARAMS.has(name!) ? 'integer' : 'string' },
    }));
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(route.responses)) {
      responses[status] =
        schema === null
          ? { description: 'No Content' }
          : { description: schema, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } };
    }
    Object.assign(responses, { '400': ERROR_RESPONSE, '404': ERROR_RESPONSE, '5XX': ERROR_RESPONSE });
    (paths[fullPath(route)] ??= {})[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.requestBody
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${route.requestBody}` } } },
            },
          }
        : {}),
      responses,
    };
  }
  for (const [path, operations] of Object.entries(STROM_API_PATHS)) {
    if (paths[path]) throw new Error(`${path} is both in the route table and in strom-api's paths`);
    paths[path] = operations;
  }
  for (const name of Object.keys(STROM_API_SCHEMAS))
    if (name in SCHEMAS) throw new Error(`schema ${name} is both in rest/schemas.ts and in strom-api's schemas`);
  return {
    openapi: '3.0.0',
    info: {
      title: 'Strom REST Admin API',
      version: '3.0.0',
      description:
        "Under /v3: path- and shape-compatible with Confluent's REST Proxy v3 (api/v3/openapi.yaml in confluentinc/kafka-rest). Under /strom/v1: Strom's own operations.",
    },
    servers: [{ url: '/' }],
    paths,
    components: { schemas: { ...SCHEMAS, ...STROM_API_SCHEMAS } },
  };
}
