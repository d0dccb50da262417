// Kubernetes label selectors and field selectors, as the `labelSelector` and `fieldSelector`
// query parameters of a list or watch. The grammar, the semantics and the error texts follow
// k8s.io/apimachinery pkg/labels/selector.go and pkg/fields/selector.go, so that clients written
// against a real API server (kubectl, client-go, the Python client) see the same behaviour.
// Parse once per request; `matches` then runs on every row and allocates nothing.

export class SelectorError extends Error {
  constructor(
    message: string,
    readonly parameter: "labelSelector" | "fieldSelector",
  ) {
    super(message);
    this.name = "SelectorError";
  }
}

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

export type Requirement = {
  key: string;
  operator: "=" | "==" | "!=" | "in" | "notin" | "exists" | "!";
  values: string[];
};

export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>>): boolean;
  readonly empty: boolean;
  toString(): string;
}

/**
 * Parses a label selector such as `app=web,tier in (a,b),!canary`. The empty string selects
 * everything. Requirements come back sorted by key, as apimachinery's parse() leaves them.
 * @throws SelectorError with the message apimachinery would give.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = new LabelParser(lex(text)).parse();
  // Stable sort (Go's sort.Sort is not), so duplicate keys keep their written order.
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return new CompiledLabelSelector(requirements);
}

// Operator codes for the hot path: a small-integer switch rather than string compares.
const opIn = 0; // =, ==, in: the key must exist and have one of the values
const opNotIn = 1; // !=, notin: the key is absent or has none of the values
const opExists = 2;
const opNotExists = 3;

interface CompiledRequirement {
  readonly key: string;
  readonly op: number;
  /** The only value, for the common single-value case. */
  readonly single: string | undefined;
  readonly values: readonly string[];
  /** Only for long value lists, where a hash lookup beats a linear scan. */
  readonly set: ReadonlySet<string> | undefined;
}

const setThreshold = 8;

function compile(r: Requirement): CompiledRequirement {
  let op: number;
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      op = opIn;
      break;
    case "!=":
    case "notin":
      op = opNotIn;
      break;
    case "exists":
      op = opExists;
      break;
    case "!":
      op = opNotExists;
      break;
  }
  return {
    key: r.key,
    op,
    single: r.values.length === 1 ? r.values[0] : undefined,
    values: r.values,
    set: r.values.length > setThreshold ? new Set(r.values) : undefined,
  };
}

function hasValue(r: CompiledRequirement, value: string): boolean {
  if (r.single !== undefined) return r.single === value;
  if (r.set !== undefined) return r.set.has(value);
  const vs = r.values;
  for (let i = 0; i < vs.length; i++) if (vs[i] === value) return true;
  return false;
}

class CompiledLabelSelector implements LabelSelector {
  readonly requirements: readonly Requirement[];
  readonly empty: boolean;
  private readonly compiled: readonly CompiledRequirement[];

  constructor(requirements: Requirement[]) {
    for (const r of requirements) {
      Object.freeze(r.values);
      Object.freeze(r);
    }
    this.requirements = Object.freeze(requirements);
    this.empty = requirements.length === 0;
    this.compiled = requirements.map(compile);
  }

  matches(labels: Readonly<Record<string, string>>): boolean {
    const rs = this.compiled;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      // Own properties only: "constructor" or "toString" are valid label keys, and must not be
      // found on Object.prototype.
      const value = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
      let ok: boolean;
      switch (r.op) {
        case opIn:
          ok = value !== undefined && hasValue(r, value);
          break;
        case opNotIn:
          ok = value === undefined || !hasValue(r, value);
          break;
        case opExists:
          ok = value !== undefined;
          break;
        default:
          ok = value === undefined;
      }
      if (!ok) return false;
    }
    return true;
  }

  /** The canonical form: requirements sorted by key, values sorted, as Selector.String(). */
  toString(): string {
    return this.requirements.map(requirementString).join(",");
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.join(",")})`;
    default:
      return `${r.key}${r.operator}${r.values.join(",")}`;
  }
}

// --- Lexer ------------------------------------------------------------------------------------

type TokenKind = "end" | "(" | ")" | "," | "!" | "=" | "==" | "!=" | ">" | "<" | "in" | "notin" | "identifier";

interface Token {
  readonly kind: TokenKind;
  /** The text as written; "" for the end of the string, as apimachinery reports it. */
  readonly literal: string;
}

function isWhitespace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
}

// '>' and '<' are lexed (as apimachinery does) only so that `a>1` fails at the operator with a
// clear message instead of producing a strange identifier.
function isSpecialSymbol(ch: string): boolean {
  return ch === "=" || ch === "!" || ch === "(" || ch === ")" || ch === "," || ch === ">" || ch === "<";
}

/** Tokenises the whole selector up front, as apimachinery's Parser.scan() does. */
function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isWhitespace(s[i]!)) i++;
    if (i >= s.length) {
      tokens.push({ kind: "end", literal: "" });
      return tokens;
    }
    const ch = s[i]!;
    if (isSpecialSymbol(ch)) {
      // Longest match; the only two-character symbols are "!=" and "==".
      const two = s.slice(i, i + 2);
      if (two === "!=" || two === "==") {
        tokens.push({ kind: two, literal: two });
        i += 2;
      } else {
        tokens.push({ kind: ch as TokenKind, literal: ch });
        i += 1;
      }
      continue;
    }
    const start = i;
    while (i < s.length && !isSpecialSymbol(s[i]!) && !isWhitespace(s[i]!)) i++;
    const word = s.slice(start, i);
    tokens.push({ kind: word === "in" || word === "notin" ? word : "identifier", literal: word });
  }
}

// --- Parser -----------------------------------------------------------------------------------

// In Values context "in" and "notin" are plain identifiers, so `in=notin` and `x in (in)` parse;
// only the operator position (KeyAndOperator) treats them as keywords.
const keyAndOperatorContext = 0;
const valuesContext = 1;
type Context = typeof keyAndOperatorContext | typeof valuesContext;

const binaryOperators = "in, notin, =, ==, !=";

function syntaxError(message: string): SelectorError {
  return new SelectorError(message, "labelSelector");
}

function requirementError(message: string): SelectorError {
  return syntaxError(`unable to parse requirement: ${message}`);
}

class LabelParser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private kind(token: Token, context: Context): TokenKind {
    if (context === valuesContext && (token.kind === "in" || token.kind === "notin")) {
      return "identifier";
    }
    return token.kind;
  }

  // The scanner always ends with an "end" token and the grammar never consumes past it, so the
  // position stays in range; the fallback only satisfies noUncheckedIndexedAccess.
  private at(index: number): Token {
    return this.tokens[index] ?? { kind: "end", literal: "" };
  }

  lookahead(context: Context): [TokenKind, string] {
    const t = this.at(this.position);
    return [this.kind(t, context), t.literal];
  }

  consume(context: Context): [TokenKind, string] {
    const t = this.at(this.position++);
    return [this.kind(t, context), t.literal];
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const [kind, literal] = this.lookahead(valuesContext);
      switch (kind) {
        case "identifier":
        case "!": {
          requirements.push(this.parseRequirement());
          const [next, nextLiteral] = this.consume(valuesContext);
          if (next === "end") return requirements;
          if (next !== ",") {
            throw syntaxError(`found '${nextLiteral}', expected: ',' or 'end of string'`);
          }
          const [after, afterLiteral] = this.lookahead(valuesContext);
          if (after !== "identifier" && after !== "!") {
            throw syntaxError(`found '${afterLiteral}', expected: identifier after ','`);
          }
          break;
        }
        case "end":
          return requirements;
        default:
          throw syntaxError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  parseRequirement(): Requirement {
    const negated = this.lookahead(valuesContext)[0] === "!";
    if (negated) this.consume(valuesContext);
    const [kind, key] = this.consume(valuesContext);
    if (kind !== "identifier") throw requirementError(`found '${key}', expected: identifier`);
    validateLabelKey(key);
    // `!key` is complete whatever follows; whatever does follow is then rejected by parse() as
    // "expected: ',' or 'end of string'", exactly as apimachinery does for `!a=b`.
    if (negated) return { key, operator: "!", values: [] };
    const [next] = this.lookahead(valuesContext);
    if (next === "end" || next === ",") return { key, operator: "exists", values: [] };

    const operator = this.parseOperator();
    const values = operator === "in" || operator === "notin" ? this.parseValues() : this.parseExactValue();
    for (const value of values) validateLabelValue(key, value);
    return { key, operator, values };
  }

  parseOperator(): "=" | "==" | "!=" | "in" | "notin" {
    const [kind, literal] = this.consume(keyAndOperatorContext);
    switch (kind) {
      case "=":
      case "==":
      case "!=":
      case "in":
      case "notin":
        return kind;
      default:
        throw requirementError(`found '${literal}', expected: ${binaryOperators}`);
    }
  }

  /** `(a,b,c)`. Values come back sorted and de-duplicated, as apimachinery's sets.String.List(). */
  parseValues(): string[] {
    const [open, openLiteral] = this.consume(valuesContext);
    // Sic: apimachinery has no colon after "found '…'" in this one message.
    if (open !== "(") throw requirementError(`found '${openLiteral}' expected: '('`);
    const [kind, literal] = this.lookahead(valuesContext);
    switch (kind) {
      case "identifier":
      case ",": {
        const values = this.parseIdentifiersList();
        this.consume(valuesContext); // the ")" that parseIdentifiersList stopped at
        return [...values].sort();
      }
      case ")":
        // `x in ()` is the set {""} in apimachinery, not an error: it selects objects whose x
        // label is the empty string (and `x notin ()` those where it is absent or non-empty).
        this.consume(valuesContext);
        return [""];
      default:
        throw requirementError(`found '${literal}', expected: ',', ')' or identifier`);
    }
  }

  // A possibly empty, comma-separated list of possibly empty values: `(a,,b)` and `(,a)` and
  // `(a,)` all contain "".
  parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const [kind, literal] = this.consume(valuesContext);
      switch (kind) {
        case "identifier": {
          values.add(literal);
          const [next, nextLiteral] = this.lookahead(valuesContext);
          if (next === ",") continue;
          if (next === ")") return values;
          throw requirementError(`found '${nextLiteral}', expected: ',' or ')'`);
        }
        case ",": {
          if (values.size === 0) values.add("");
          const [next] = this.lookahead(valuesContext);
          if (next === ")") {
            values.add("");
            return values;
          }
          if (next === ",") values.add("");
          continue;
        }
        default:
          throw requirementError(`found '${literal}', expected: ',', or identifier`);
      }
    }
  }

  /** The value after =, == or !=; nothing at all (`a=` or `a=,b`) is the empty value. */
  parseExactValue(): string[] {
    const [next] = this.lookahead(valuesContext);
    if (next === "end" || next === ",") return [""];
    const [kind, literal] = this.consume(valuesContext);
    if (kind === "identifier") return [literal];
    throw requirementError(`found '${literal}', expected: identifier`);
  }
}

// --- Validation (apimachinery pkg/api/validate/content) ---------------------------------------

const labelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const labelKeyRe = new RegExp(`^${labelKeyFmt}$`);
const labelKeyErr =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelNameMax = 63;

const labelValueFmt = `(${labelKeyFmt})?`;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);
const labelValueErr =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueMax = 63;

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1123SubdomainErr =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const dns1123SubdomainMax = 253;

function regexError(message: string, fmt: string, ...examples: string[]): string {
  const eg = examples.map((e) => `'${e}', `).join("or ");
  return `${message} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

// Go measures length in bytes; anything non-ASCII fails the character check anyway.
function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function maxLenError(max: number): string {
  return `must be no more than ${max} bytes`;
}

/** content.IsLabelKey: `[prefix/]name`, prefix a DNS-1123 subdomain, name ≤ 63 characters. */
export function labelKeyErrors(key: string): string[] {
  const errors: string[] = [];
  const parts = key.split("/");
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) {
      errors.push("prefix part must be non-empty");
    } else {
      if (byteLength(prefix) > dns1123SubdomainMax) {
        errors.push(`prefix part ${maxLenError(dns1123SubdomainMax)}`);
      }
      if (!dns1123SubdomainRe.test(prefix)) {
        errors.push(`prefix part ${regexError(dns1123SubdomainErr, dns1123SubdomainFmt, "example.com")}`);
      }
    }
  } else {
    return [
      `a valid label key ${regexError(labelKeyErr, labelKeyFmt, "MyName", "my.name", "123-abc")}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) {
    errors.push("name part must be non-empty");
  } else if (byteLength(name) > labelNameMax) {
    errors.push(`name part ${maxLenError(labelNameMax)}`);
  }
  if (!labelKeyRe.test(name)) {
    errors.push(`name part ${regexError(labelKeyErr, labelKeyFmt, "MyName", "my.name", "123-abc")}`);
  }
  return errors;
}

/** content.IsLabelValue: empty, or ≤ 63 characters of [A-Za-z0-9._-] alphanumeric at both ends. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > labelValueMax) errors.push(maxLenError(labelValueMax));
  if (!labelValueRe.test(value)) {
    errors.push(regexError(labelValueErr, labelValueFmt, "MyValue", "my_value", "12345"));
  }
  return errors;
}

function validateLabelKey(key: string): void {
  const errors = labelKeyErrors(key);
  if (errors.length > 0) {
    throw requirementError(`invalid label key ${goQuote(key)}: ${errors.join("; ")}`);
  }
}

function validateLabelValue(key: string, value: string): void {
  const errors = labelValueErrors(value);
  if (errors.length > 0) {
    throw requirementError(`invalid label value: ${goQuote(value)}: at key: ${goQuote(key)}: ${errors.join("; ")}`);
  }
}

/** Close enough to Go's %q for messages: a JSON string literal. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

// ---------------------------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------------------------

export interface FieldSelector {
  readonly requirements: readonly { field: string; operator: "=" | "==" | "!="; value: string }[];
  matches(fields: Readonly<Record<string, string>>): boolean;
  readonly empty: boolean;
  toString(): string;
}

type FieldRequirement = FieldSelector["requirements"][number];

/**
 * Parses a field selector such as `metadata.name=foo,metadata.namespace!=kube-system`. Fields
 * outside `allowedFields` are rejected as the API server's field-label conversion rejects them.
 * @throws SelectorError with the message apimachinery / the API server would give.
 */
export function parseFieldSelector(text: string, allowedFields: readonly string[]): FieldSelector {
  // apimachinery sorts the raw terms before parsing; that decides both the requirement order
  // and which error is reported first.
  const terms = splitTerms(text).sort();
  const requirements: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === "") continue; // `a=b,,c=d` and a lone `,` are accepted
    const split = splitTerm(term);
    if (split === undefined) {
      throw fieldError(`invalid selector: '${text}'; can't understand '${term}'`);
    }
    const value = unescapeFieldValue(split.raw);
    requirements.push({ field: split.field, operator: split.operator, value });
  }
  // Syntax first, then field names, as parseSelector() and then Transform() in the API server.
  for (const r of requirements) {
    if (!allowedFields.includes(r.field)) {
      const known = allowedFields.map((f) => goQuote(f)).join(", ");
      throw fieldError(`${goQuote(r.field)} is not a known field selector: only ${known}`);
    }
  }
  return new CompiledFieldSelector(requirements);
}

function fieldError(message: string): SelectorError {
  return new SelectorError(message, "fieldSelector");
}

class CompiledFieldSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  private readonly fields: readonly string[];
  private readonly values: readonly string[];
  private readonly negated: readonly boolean[];

  constructor(requirements: FieldRequirement[]) {
    for (const r of requirements) Object.freeze(r);
    this.requirements = Object.freeze(requirements);
    this.empty = requirements.length === 0;
    this.fields = requirements.map((r) => r.field);
    this.values = requirements.map((r) => r.value);
    this.negated = requirements.map((r) => r.operator === "!=");
  }

  matches(fields: Readonly<Record<string, string>>): boolean {
    const n = this.fields.length;
    for (let i = 0; i < n; i++) {
      const field = this.fields[i]!;
      // A missing field reads as "" (fields.Set.Get), so `f!=x` matches objects without f and
      // `f=` matches them.
      const actual = (Object.hasOwn(fields, field) ? fields[field] : undefined) ?? "";
      if ((actual === this.values[i]) === this.negated[i]) return false;
    }
    return true;
  }

  /** As fields.Selector.String(): `==` is written `=`, values are escaped. */
  toString(): string {
    return this.requirements
      .map((r) => `${r.field}${r.operator === "!=" ? "!=" : "="}${escapeFieldValue(r.value)}`)
      .join(",");
  }
}

/** fields.EscapeValue: backslash-escapes `\`, `,` and `=` so that any value can be written. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue, also accepting `\!` (apimachinery rejects it; it is harmless). */
export function unescapeFieldValue(raw: string): string {
  if (!/[\\,=]/.test(raw)) return raw;
  let out = "";
  let escaped = false;
  for (const c of raw) {
    if (escaped) {
      if (c !== "\\" && c !== "," && c !== "=" && c !== "!") {
        throw fieldError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === "\\") {
      escaped = true;
    } else if (c === "," || c === "=") {
      throw fieldError(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw fieldError("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Splits on commas not preceded by a backslash; the escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (escaped) escaped = false;
    else if (c === "\\") escaped = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

// The field part cannot be escaped, so the first operator in the term splits it; "!=" and "=="
// are tried before "=" at each position so that `a==b` does not leave "=b" as the value.
function splitTerm(term: string): { field: string; operator: "=" | "==" | "!="; raw: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const operator = term.startsWith("!=", i)
      ? "!="
      : term.startsWith("==", i)
        ? "=="
        : term[i] === "="
          ? "="
          : undefined;
    if (operator !== undefined) {
      return { field: term.slice(0, i), operator, raw: term.slice(i + operator.length) };
    }
  }
  return undefined;
}
