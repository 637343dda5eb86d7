/// The keys of one JSON object seen so far, to reject a key given twice. Small objects
/// compare against a list; a set is built past 16 keys, so a hostile object with a
/// hundred thousand keys costs linear time, not quadratic.
public struct JSONKeySet {
    private var list: [String] = []
    private var set: Set<String>?

    public init() {}

    /// Adds `key`; false when it was there already.
    public mutating func insert(_ key: String) -> Bool {
        if set != nil { return set!.insert(key).inserted }
        if list.contains(key) { return false }
        list.append(key)
        if list.count > 16 { set = Set(list) }
        return true
    }
}
