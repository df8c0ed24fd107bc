import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { RestError } from './errors.js';
import { fullPath, INTEGER_PARAMS, type Route } from './route.js';
import { SCHEMAS } from './schemas.js';

/** A route matched against a request path, with its parameters. */
export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly validateBody: ValidateFunction | undefined;
}

/**
 * The routes, compiled: path patterns and body validators (ajv). Loaded only when the admin API
 * boots (rest-v3.module.ts imports it lazily): embedded Strom starts without ajv (~15 ms, ~13 MiB).
 */
export class RouteTable {
  private readonly compiled: readonly CompiledRoute[];

  constructor(readonly routes: readonly Route[]) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    addFormats.default(ajv);
    ajv.addSchema({ components: { schemas: SCHEMAS } }, 'strom');
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = fullPath(route)
        .split(/(\{[a-z_]+\})/)
        .map((part) => {
          const name = /^\{([a-z_]+)\}$/.exec(part)?.[1];
          if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          names.push(name);
          return INTEGER_PARAMS.has(name) ? '(-?[0-9]+)' : '([^/]+)';
        })
        .join('');
      const validateBody = route.requestBody ? ajv.getSchema(`strom#/components/schemas/${route.requestBody}`) : undefined;
      return { route, pattern: new RegExp(`^${source}$`), names, validateBody };
    });
  }

  /** Whether a route has this path (from the root, percent-encoded), whatever its method. */
  has(path: string): boolean {
    return this.compiled.some((entry) => entry.pattern.test(path));
  }

  /** The route for `method` and `path` (from the root, percent-encoded), or a 404/405 RestError. */
  match(method: string, path: string): RouteMatch {
    let pathMatched = false;
    for (const entry of this.compiled) {
      const found = entry.pattern.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (entry.route.method !== method.toLowerCase()) continue;
      const params: Record<string, string> = {};
      entry.names.forEach((name, index) => (params[name] = decodeURIComponent(found[index + 1]!)));
      return { route: entry.route, params };
    }
    if (pathMatched) throw new RestError(405, 405, 'HTTP 405 Method Not Allowed');
    throw RestError.notFound('HTTP 404 Not Found');
  }

  /** Checks `body` against the route's request schema; a 400 naming the first problem otherwise. */
  validate(route: Route, body: unknown): void {
    const entry = this.compiled.find((candidate) => candidate.route === route)!;
    if (!entry.validateBody) return;
    if (body === undefined) throw new RestError(400, 400, 'Payload error. Request body is empty. Data is required.');
    if (!entry.validateBody(body)) {
      const error = entry.validateBody.errors![0]!;
      throw new RestError(400, 400, `Payload error. ${error.instancePath || 'body'} ${error.message ?? 'is invalid'}.`);
    }
  }
}
