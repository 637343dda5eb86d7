extension JMESPath {
    /// The names the expression reads from the root value: the first identifier of every field
    /// access evaluated with the root document as the current node (e.g. `product.sku` ->
    /// ["product"]; `{id: path.id, n: length(items)}` -> ["path", "items"]; `a || b` -> ["a","b"];
    /// `foo[?bar == baz]` -> ["foo"] only, because bar/baz are evaluated against elements of the
    /// projection; `@` alone or `*` at the root -> the single marker "*" meaning "the whole
    /// root"). Used to infer which backend calls a request template depends on;
    /// over-approximating is acceptable, missing one is a bug.
    ///
    /// The marker "*" appears whenever the root itself is used rather than a member of it:
    /// `@`, and the implicit root of `*`, `[*]`, `[]`, `[?…]`, `[0]` or `[1:2]` at the start.
    public var rootFields: Set<String> {
        var fields: Set<String> = []
        Self.collectRootFields(root, into: &fields)
        return fields
    }

    /// Adds the root names `node` reads, `node` being evaluated with the root as current node.
    ///
    /// Only the parts of a node evaluated against the same current node recurse: the first
    /// step of a chain, the left side of a projection or pipe, both sides of `||`, `&&` and
    /// comparisons, multi-select members and function arguments. Everything else (later chain
    /// steps, projected right sides, filter conditions, `&expressions`) sees a derived value.
    private static func collectRootFields(_ node: JMESPathNode, into fields: inout Set<String>) {
        switch node.kind {
        case .current:
            fields.insert("*")
        case .field(let name):
            fields.insert(name)
        case .index, .slice:
            fields.insert("*")  // the root itself, used as an array
        case .literal, .expressionReference:
            break
        case .subexpression(let steps):
            // `@.a` reads only `a`: a leading `@` step hands the root on unchanged.
            let first = steps.first { if case .current = $0.kind { false } else { true } }
            collectRootFields(first ?? .current, into: &fields)
        case .projection(let left, _), .valueProjection(let left, _), .filterProjection(let left, _, _),
            .flatten(let left), .pipe(let left, _), .not(let left):
            collectRootFields(left, into: &fields)
        case .or(let left, let right), .and(let left, let right), .comparison(_, let left, let right):
            collectRootFields(left, into: &fields)
            collectRootFields(right, into: &fields)
        case .multiSelectList(let elements):
            for element in elements { collectRootFields(element, into: &fields) }
        case .multiSelectHash(let members):
            for member in members { collectRootFields(member.value, into: &fields) }
        case .function(_, let arguments):
            for argument in arguments { collectRootFields(argument, into: &fields) }
        }
    }
}
