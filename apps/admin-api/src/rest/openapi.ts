import { fullPath, INTEGER_PARAMS, type Route } from './route.js';
import { SCHEMAS } from './schemas.js';

const ERROR_RESPONSE = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

/**
 * The OpenAPI 3.0 document of the routes, served at `/v3/openapi.json`: paths (from the root) from the route table,
 * schemas from schemas.ts, so the document cannot drift from what the code serves.
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
    components: { schemas: SCHEMAS },
  };
}
