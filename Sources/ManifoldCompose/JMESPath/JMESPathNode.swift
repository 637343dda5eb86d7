internal import ManifoldCore

/// A node of a compiled JMESPath expression's syntax tree.
///
/// Every node knows its height so the parser can refuse trees deeper than the interpreter's
/// recursion may safely go (see ``JMESPathParser/maxNesting``).
///
/// A class rather than a struct over an indirect enum: children are then single pointers, so
/// the interpreter's and parser's recursive frames, which bind them in every case of their
/// switches, stay small, and a nested expression needs correspondingly less stack.
final class JMESPathNode: Sendable {
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
        case projection(JMESPathNode, JMESPathNode)
        /// `left.*.right`: right applied to each value of the object left gives.
        case valueProjection(JMESPathNode, JMESPathNode)
        /// `left[?condition].right`.
        case filterProjection(JMESPathNode, condition: JMESPathNode, JMESPathNode)
        /// `left[]` without its projection: one level of nested arrays merged.
        case flatten(JMESPathNode)
        case pipe(JMESPathNode, JMESPathNode)
        case or(JMESPathNode, JMESPathNode)
        case and(JMESPathNode, JMESPathNode)
        case not(JMESPathNode)
        case comparison(Comparator, JMESPathNode, JMESPathNode)
        case multiSelectList([JMESPathNode])
        case multiSelectHash([(key: String, value: JMESPathNode)])
        case function(JMESPathFunction, [JMESPathNode])
        /// `&expression`, meaningful only as a function argument.
        case expressionReference(JMESPathNode)
    }

    enum Comparator: Sendable {
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
    }

    let kind: Kind
    /// 1 for a leaf, else one more than the highest child: how deeply evaluation recurses.
    let height: Int
    /// How many levels of nesting a result can have beyond the deeper of the current value
    /// and the deepest literal; chains add up, so `@.[@].[@]` (each step wrapping the last)
    /// grows by one per step although it is flat.
    let growth: Int

    // Never inlined: the parser builds nodes from dozens of call sites in recursive
    // functions, and an inlined copy at each would swell their stack frames.
    @inline(never)
    init(_ kind: Kind) {
        self.kind = kind
        let children = Self.children(of: kind)
        self.height = 1 + (children.lazy.map(\.height).max() ?? 0)
        let widest = children.lazy.map(\.growth).max() ?? 0
        let total = children.reduce(0) { $0 + $1.growth }
        switch kind {
        case .current, .field, .index, .slice, .literal, .not, .comparison:
            self.growth = 0
        case .subexpression, .pipe, .flatten, .expressionReference:
            self.growth = total
        case .projection, .valueProjection, .filterProjection:
            self.growth = total + 1
        case .or, .and:
            self.growth = widest
        case .multiSelectList, .multiSelectHash:
            self.growth = widest + 1
        case .function(let function, _):
            switch function {
            case .abs, .avg, .ceil, .contains, .endsWith, .floor, .join, .length, .startsWith, .sum, .toNumber,
                .toString, .type:
                self.growth = 0
            case .keys:
                self.growth = 1
            case .max, .maxBy, .merge, .min, .minBy, .notNull, .reverse, .sort, .sortBy, .values:
                self.growth = widest
            case .toArray, .map:
                self.growth = total + 1
            }
        }
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
