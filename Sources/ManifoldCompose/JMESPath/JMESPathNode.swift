internal import ManifoldCore

/// A node of a compiled JMESPath expression's syntax tree.
///
/// Every node knows its height so the parser can refuse trees deeper than the interpreter's
/// recursion may safely go (see ``JMESPathParser/maxNesting``).
struct JMESPathNode: Sendable {
    enum Kind: Sendable {
        /// `@`, and the implicit left side of `[*]`, `*`, `[]` or `[?…]` at the start.
        case current
        case field(String)
        case index(Int)
        case slice(start: Int?, stop: Int?, step: Int)
        case literal(JSONValue)
        /// `a.b[0].c`: each step is evaluated against the previous one's result, stopping at
        /// the first null. Chains are flat so a long path costs no recursion.
        case subexpression([JMESPathNode])
        /// `left[*].right`, `left[:2].right`, `left[].right`: right applied to each element
        /// of the array left gives, nulls dropped.
        indirect case projection(JMESPathNode, JMESPathNode)
        /// `left.*.right`: right applied to each value of the object left gives.
        indirect case valueProjection(JMESPathNode, JMESPathNode)
        /// `left[?condition].right`.
        indirect case filterProjection(JMESPathNode, condition: JMESPathNode, JMESPathNode)
        /// `left[]` without its projection: one level of nested arrays merged.
        indirect case flatten(JMESPathNode)
        indirect case pipe(JMESPathNode, JMESPathNode)
        indirect case or(JMESPathNode, JMESPathNode)
        indirect case and(JMESPathNode, JMESPathNode)
        indirect case not(JMESPathNode)
        indirect case comparison(Comparator, JMESPathNode, JMESPathNode)
        case multiSelectList([JMESPathNode])
        case multiSelectHash([(key: String, value: JMESPathNode)])
        case function(JMESPathFunction, [JMESPathNode])
        /// `&expression`, meaningful only as a function argument.
        indirect case expressionReference(JMESPathNode)
    }

    enum Comparator: Sendable {
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
    }

    let kind: Kind
    /// 1 for a leaf, else one more than the highest child.
    let height: Int

    init(_ kind: Kind) {
        self.kind = kind
        self.height = 1 + (Self.children(of: kind).lazy.map(\.height).max() ?? 0)
    }

    static let current = JMESPathNode(.current)

    private static func children(of kind: Kind) -> [JMESPathNode] {
        switch kind {
        case .current, .field, .index, .slice, .literal: []
        case .subexpression(let steps): steps
        case .projection(let left, let right), .valueProjection(let left, let right), .pipe(let left, let right),
            .or(let left, let right), .and(let left, let right), .comparison(_, let left, let right):
            [left, right]
        case .filterProjection(let left, let condition, let right): [left, condition, right]
        case .flatten(let child), .not(let child), .expressionReference(let child): [child]
        case .multiSelectList(let elements): elements
        case .multiSelectHash(let members): members.map(\.value)
        case .function(_, let arguments): arguments
        }
    }
}
