internal import CNGHTTP2

/// Header fields a session sends on every request (`:method`, `:scheme`, `:authority`,
/// `content-type`, ...), laid out once as the `nghttp2_nv` entries nghttp2 takes, so a
/// request copies a few entries instead of re-encoding every field's strings.
///
/// Lifetime: owns one allocation holding the entries and the bytes they point at, freed in
/// `deinit`. The entries are flagged NO_COPY, so nghttp2 keeps pointing at these bytes until
/// it has sent the request's HEADERS; the owning `NGHTTP2Session` therefore holds this block
/// for as long as its nghttp2 session exists (its `deinit` deletes the session first).
/// NO_COPY names are not lower-cased by nghttp2: callers pass lower-case names, as HTTP/2
/// requires anyway.
final class FixedHeaderBlock {
    let entries: UnsafeBufferPointer<nghttp2_nv>
    private let storage: UnsafeMutableRawPointer

    init(_ fields: [HeaderField]) {
        let entriesSize = MemoryLayout<nghttp2_nv>.stride * fields.count
        let bytesSize = fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        storage = .allocate(byteCount: max(entriesSize + bytesSize, 1), alignment: MemoryLayout<nghttp2_nv>.alignment)
        let entries = storage.bindMemory(to: nghttp2_nv.self, capacity: fields.count)
        var next = storage + entriesSize
        func copy(_ text: String) -> (UnsafeMutablePointer<UInt8>, Int) {
            let count = text.utf8.count
            let start = next.bindMemory(to: UInt8.self, capacity: count)
            _ = UnsafeMutableBufferPointer(start: start, count: count).initialize(from: text.utf8)
            next += count
            return (start, count)
        }
        let flags = UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue)
        for (index, field) in fields.enumerated() {
            let (name, nameLength) = copy(field.name)
            let (value, valueLength) = copy(field.value)
            (entries + index).initialize(to: cmanifold_nv(name, nameLength, value, valueLength, flags))
        }
        self.entries = UnsafeBufferPointer(start: entries, count: fields.count)
    }

    deinit {
        storage.deallocate()
    }
}
