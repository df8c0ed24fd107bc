/**
 * Kafka's `SslPrincipalMapper` (`ssl.principal.mapping.rules`): a comma-separated list of
 * `RULE:pattern/replacement/[LU]` and `DEFAULT`, tried in order on the certificate's
 * distinguished name; the first rule whose pattern matches the whole name gives the user name.
 * Patterns and replacements are Java regular expressions; this port runs them as JavaScript
 * ones, which agree for the constructs such rules use (groups, classes, lazy quantifiers,
 * anchors), with Java's replacement syntax (`$n`, `\` escapes) interpreted as Java does.
 */
export const DEFAULT_SSL_PRINCIPAL_MAPPING_RULES = 'DEFAULT';

const RULE_PATTERN = String.raw`(DEFAULT)|RULE:((\\.|[^\\/])*)/((\\.|[^\\/])*)/([LU]?).*?|(.*?)`;
const RULE_SPLITTER = new RegExp(String.raw`\s*(` + RULE_PATTERN + String.raw`)\s*(,\s*|$)`, 'g');
const RULE_PARSER = new RegExp(RULE_PATTERN, 'y');

/** No rule matched the name: Kafka fails the authentication of such a connection. */
export class NoMatchingRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoMatchingRuleError';
  }
}

export class SslPrincipalMapper {
  private readonly rules: readonly Rule[];

  /** Throws (naming the rule) for an invalid rule, as Kafka's `IllegalArgumentException`. */
  constructor(rules: string = DEFAULT_SSL_PRINCIPAL_MAPPING_RULES) {
    this.rules = splitRules(rules)
      .map(parseRule)
      .filter((rule) => rule !== undefined);
  }

  /** The user name for `distinguishedName` (RFC 2253, as Java prints it). */
  getName(distinguishedName: string): string {
    for (const rule of this.rules) {
      const name = rule.apply(distinguishedName);
      if (name !== undefined) return name;
    }
    throw new NoMatchingRuleError(`No rules apply to ${distinguishedName}, rules [${this.rules.join(', ')}]`);
  }

  toString(): string {
    return `SslPrincipalMapper(rules = [${this.rules.join(', ')}])`;
  }
}

function splitRules(rules: string): string[] {
  const result: string[] = [];
  const input = rules.trim();
  RULE_SPLITTER.lastIndex = 0;
  for (let match = RULE_SPLITTER.exec(input); match !== null; match = RULE_SPLITTER.exec(input)) {
    result.push(match[1]!);
    // Java's Matcher.find moves past an empty match; a JavaScript global regex does not.
    if (match[0] === '') RULE_SPLITTER.lastIndex++;
    if (RULE_SPLITTER.lastIndex > input.length) break;
  }
  return result;
}

function parseRule(rule: string): Rule | undefined {
  RULE_PARSER.lastIndex = 0;
  const match = RULE_PARSER.exec(rule);
  if (match === null) throw new Error(`Invalid rule: ${rule}`);
  const end = match[0].length;
  if (end !== rule.length) throw new Error(`Invalid rule: \`${rule}\`, unmatched substring: \`${rule.slice(end)}\``);
  if (match[1] !== undefined) return new Rule();
  if (match[2] !== undefined)
    return new Rule({ pattern: match[2], replacement: match[4]!, toLowerCase: match[6] === 'L', toUpperCase: match[6] === 'U' });
  return undefined; // an empty rule is ignored
}

interface RuleSpec {
  readonly pattern: string;
  readonly replacement: string;
  readonly toLowerCase: boolean;
  readonly toUpperCase: boolean;
}

class Rule {
  private readonly whole?: RegExp;
  private readonly global?: RegExp;

  constructor(private readonly spec?: RuleSpec) {
    if (spec === undefined) return;
    try {
      this.whole = new RegExp(`^(?:${spec.pattern})$`);
      this.global = new RegExp(spec.pattern, 'g');
    } catch (error) {
      throw new Error(`Invalid rule: RULE:${spec.pattern}/${spec.replacement}/: ${(error as Error).message}`, { cause: error });
    }
  }

  apply(distinguishedName: string): string | undefined {
    const spec = this.spec;
    if (spec === undefined) return distinguishedName;
    if (!this.whole!.test(distinguishedName)) return undefined;
    const groupCount = new RegExp(`${spec.pattern}|`).exec('')!.length - 1;
    const replacement = escapeLiteralBackReferences(spec.replacement, groupCount);
    const result = distinguishedName.replace(this.global!, (...args: unknown[]) => {
      const groups = args.slice(0, groupCount + 1) as (string | undefined)[];
      return javaReplacement(replacement, groups);
    });
    if (spec.toLowerCase) return result.toLowerCase();
    if (spec.toUpperCase) return result.toUpperCase();
    return result;
  }

  toString(): string {
    const spec = this.spec;
    if (spec === undefined) return 'DEFAULT';
    return `RULE:${spec.pattern}/${spec.replacement}${spec.toLowerCase ? '/L' : spec.toUpperCase ? '/U' : ''}`;
  }
}

/**
 * Kafka's `escapeLiteralBackReferences` (from Apache NiFi): a `$n` naming a group the pattern
 * does not have becomes the literal text `$n` (shortened digit by digit first, as Java reads it).
 */
function escapeLiteralBackReferences(unescaped: string, groupCount: number): string {
  if (groupCount === 0) return unescaped;
  let value = unescaped;
  // As in Kafka, positions found in the original string are applied to the string being rewritten.
  for (const match of unescaped.matchAll(/\$(\d+)/g)) {
    const digits = match[1]!;
    if (digits.startsWith('0')) continue;
    let index = Number.parseInt(digits, 10);
    while (index > groupCount && index >= 10) index = Math.floor(index / 10);
    if (index > groupCount) {
      const groupStart = match.index + 1;
      value = `${value.slice(0, groupStart - 1)}\\${value.slice(groupStart - 1)}`;
    }
  }
  return value;
}

/** Java's `Matcher.appendReplacement` syntax: `\x` is x, `$n` a group (the longest valid number). */
function javaReplacement(replacement: string, groups: readonly (string | undefined)[]): string {
  const groupCount = groups.length - 1;
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const ch = replacement[i]!;
    if (ch === '\\') {
      i++;
      if (i >= replacement.length) throw new Error('character to be escaped is missing');
      out += replacement[i];
    } else if (ch === '$') {
      i++;
      const first = replacement.charCodeAt(i) - 48;
      if (!(first >= 0 && first <= 9)) throw new Error('Illegal group reference');
      let index = first;
      while (i + 1 < replacement.length) {
        const next = replacement.charCodeAt(i + 1) - 48;
        if (!(next >= 0 && next <= 9) || index * 10 + next > groupCount) break;
        index = index * 10 + next;
        i++;
      }
      if (index > groupCount) throw new Error(`No group ${index}`);
      out += groups[index] ?? '';
    } else {
      out += ch;
    }
  }
  return out;
}
