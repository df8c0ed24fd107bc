import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Kafka } from 'kafkajs';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { EmbeddedStrom } from './embedded-harness.js';

const CONFLUENT_OPENAPI = new URL('../../apps/admin-api/test/fixtures/confluent-v3-openapi.yaml', import.meta.url);

/**
 * Confluent's published REST v3 schemas (the vendored openapi.yaml) as validators. OpenAPI 3.0's
 * `nullable` is ajv's own keyword; `x-extensible-enum` is an annotation (strict: false ignores it).
 */
export class ConfluentSchemas {
  private readonly ajv: Ajv;
  readonly document: {
    paths: Record<string, Record<string, { responses: Record<string, { $ref?: string }> }>>;
    components: Record<string, Record<string, unknown>>;
  };

  constructor() {
    this.document = parse(readFileSync(CONFLUENT_OPENAPI, 'utf8'));
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
    this.ajv.addSchema(
      { components: { schemas: this.document.components.schemas, responses: this.document.components.responses } },
      'confluent',
    );
  }

  /**
   * The schema Confluent's document gives the `status` response of `method path` (path as in the
   * document), as an ajv reference: a named schema, or the response's own inline schema.
   */
  responseSchema(method: string, path: string, status: number): string {
    const operation = this.document.paths[path]?.[method];
    if (!operation) throw new Error(`Confluent's document has no ${method} ${path}`);
    const response = operation.responses[String(status)];
    if (!response?.$ref) throw new Error(`Confluent's document has no ${status} for ${method} ${path}`);
    const name = response.$ref.split('/').at(-1)!;
    const named = this.document.components.responses![name] as { content: { 'application/json': { schema: { $ref?: string } } } };
    const schema = named.content['application/json'].schema;
    return schema.$ref ? `confluent${schema.$ref}` : `confluent#/components/responses/${name}/content/application~1json/schema`;
  }

  validator(reference: string): ValidateFunction {
    const validate = this.ajv.getSchema(reference);
    if (!validate) throw new Error(`no schema at ${reference}`);
    return validate;
  }

  /** Throws with ajv's errors when `body` does not match the schema at `reference`. */
  check(reference: string, body: unknown): void {
    const validate = this.validator(reference);
    if (!validate(body)) throw new Error(`not a valid ${reference}: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
  }
}

/** A JSON body: its shape is checked against Confluent's schema, so tests read its fields as they are. */
export interface Json {
  readonly [key: string]: Json;
  readonly [index: number]: Json;
}

/** The `data` of a v3 list. */
export function items(body: Json | undefined): Json[] {
  return (body as unknown as { data: Json[] }).data;
}

export interface RestResponse {
  status: number;
  body: Json | undefined;
}

/** A v3 client over a real socket that checks every answer against Confluent's schema for its path. */
export class RestV3Client {
  /** `METHOD path-template status` seen and validated, for the coverage check. */
  readonly validated = new Set<string>();

  constructor(
    private readonly baseUrl: string,
    private readonly schemas: ConfluentSchemas,
    /** HTTP Basic `user:password`, sent with every request when set. */
    private readonly basic?: string,
  ) {}

  /**
   * `template` is Confluent's path (`/clusters/{cluster_id}/topics/{topic_name}`), `params` fill it in.
   * 2xx bodies are checked against Confluent's response schema, errors against its Error schema.
   */
  async call(
    method: string,
    template: string,
    params: Record<string, string | number> = {},
    body?: unknown,
    query?: Record<string, string>,
  ): Promise<RestResponse> {
    const path = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
    const search = query ? `?${new URLSearchParams(query).toString()}` : '';
    const response = await fetch(`${this.baseUrl}/v3${path}${search}`, {
      method: method.toUpperCase(),
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.basic === undefined ? {} : { authorization: `Basic ${Buffer.from(this.basic).toString('base64')}` }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text === '' ? undefined : JSON.parse(text);
    if (response.status >= 400) {
      this.schemas.check('confluent#/components/schemas/Error', parsed);
    } else if (parsed !== undefined) {
      this.schemas.check(this.schemas.responseSchema(method.toLowerCase(), template, response.status), parsed);
      this.validated.add(`${method.toLowerCase()} ${template}`);
    } else {
      this.validated.add(`${method.toLowerCase()} ${template}`);
    }
    return { status: response.status, body: parsed };
  }
}

/** What every REST v3 suite shares: one embedded broker, its admin API and a kafkajs client (rest-v3.test.ts fills it in). */
export interface RestV3Context {
  strom: EmbeddedStrom;
  rest: RestV3Client;
  kafka: Kafka;
  /** `http://127.0.0.1:<admin port>`. */
  base: string;
  cluster_id: string;
}

/**
 * A client of Strom's own operations (under /strom/v1): 2xx bodies are checked against the response
 * schema Strom's served document gives them, errors against Confluent's Error schema.
 */
export class StromClient {
  private validators: Promise<Ajv> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly schemas: ConfluentSchemas,
    /** HTTP Basic `user:password`, sent with every request when set. */
    private readonly basic?: string,
  ) {}

  async call(
    method: string,
    template: string,
    params: Record<string, string | number>,
    body?: unknown,
    query?: Record<string, string>,
  ): Promise<RestResponse> {
    const path = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
    const search = query ? `?${new URLSearchParams(query).toString()}` : '';
    const response = await fetch(`${this.baseUrl}${path}${search}`, {
      method: method.toUpperCase(),
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.basic === undefined ? {} : { authorization: `Basic ${Buffer.from(this.basic).toString('base64')}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as Json);
    if (response.status >= 400) {
      this.schemas.check('confluent#/components/schemas/Error', parsed);
    } else if (parsed === undefined) {
      const ajv = await (this.validators ??= this.loadDocument());
      const documented = ajv.getSchema(
        `strom#/paths/${template.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${response.status}`,
      );
      if (!documented) throw new Error(`Strom's document has no ${response.status} for ${method} ${template}`);
    } else {
      const ajv = await (this.validators ??= this.loadDocument());
      const pointer = `strom#/paths/${template.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${response.status}/content/application~1json/schema`;
      const validate = ajv.getSchema(pointer);
      if (!validate) throw new Error(`Strom's document has no ${response.status} schema for ${method} ${template}`);
      if (!validate(parsed)) throw new Error(`not a valid answer of ${method} ${template}: ${ajv.errorsText(validate.errors)}`);
    }
    return { status: response.status, body: parsed };
  }

  private async loadDocument(): Promise<Ajv> {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema((await (await fetch(`${this.baseUrl}/v3/openapi.json`)).json()) as object, 'strom');
    return ajv;
  }
}
