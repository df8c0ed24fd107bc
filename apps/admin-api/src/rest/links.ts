/**
 * The links and names every v3 resource carries: `metadata.self` (the resource's URL as the client
 * reached us), `metadata.resource_name` (Confluent's CRN, `crn:///kafka=<cluster>/topic=<name>…`)
 * and `related` links to other resources.
 */
export class Links {
  constructor(
    private readonly baseUrl: string,
    readonly clusterId: string,
  ) {}

  /** The URL of `path` under the cluster (`''` is the cluster itself), each segment percent-encoded. */
  url(...segments: (string | number)[]): string {
    const encoded = segments.map((segment) => encodeSegment(String(segment)));
    return [`${this.baseUrl}/clusters/${encodeSegment(this.clusterId)}`, ...encoded].join('/');
  }

  related(...segments: (string | number)[]): { related: string } {
    return { related: this.url(...segments) };
  }

  /** `{kind, metadata: {self, resource_name}}` for a single resource (a CRN part without an id is its type alone, as kafka-rest's CrnFactory writes it). */
  resource(
    kind: string,
    self: (string | number)[],
    crn: [string, string | number | null][],
  ): { kind: string; metadata: { self: string; resource_name: string } } {
    const name = [`kafka=${this.clusterId}`, ...crn.map(([type, id]) => (id === null ? type : `${type}=${id}`))].join('/');
    return { kind, metadata: { self: this.url(...self), resource_name: `crn:///${name}` } };
  }

  /** `{kind, metadata: {self, next: null}, data}` for a list: v3 lists are not paged. */
  list<T>(kind: string, self: (string | number)[], data: T[]): { kind: string; metadata: { self: string; next: null }; data: T[] } {
    return { kind, metadata: { self: this.url(...self), next: null }, data };
  }
}

/** Encodes one path segment, keeping `-` (the v3 wildcard) and `:` (in `configs:alter`) readable. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replaceAll('%3A', ':');
}
