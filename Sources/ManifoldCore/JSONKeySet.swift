/// The keys of one JSON object as it is read, to reject a key given twice. While there are
/// few, the keys already read are scanned (no allocation); past 16 they go in a set, so a
/// hostile object with a hundred thousand keys costs linear time, not quadratic.
public struct JSONKeySet {
    private var set: Set<String>?

    public init() {}

    /// Adds `key`, which follows `earlier` (every key added before, in order); false when
    /// it is among them.
    public mutating func insert(_ key: String, after earlier: some Collection<String>) -> Bool {
        if set == nil {
            if earlier.count < 16 { return !earlier.contains(key) }
            set = Set(earlier)
        }
        return set!.insert(key).inserted
    }
}
