internal import CProtobufC
public import ManifoldCore

/// Translates between proto3 JSON and protobuf binary for the messages of one schema,
/// through protobuf-c and the schema's runtime descriptors.
public struct ProtoJSONCodec: Sendable {
    public let schema: Schema
    public let options: JSONOptions

    public init(schema: Schema, options: JSONOptions = .defaults) {
        self.schema = schema
        self.options = options
    }

    /// Encodes `json` as the request message of `method`.
    /// - Throws: `SchemaError` with code `invalidJSON` and the JSON path of the bad field.
    public func encodeRequest(_ json: JSONValue, for method: MethodInfo) throws(SchemaError) -> [UInt8] {
        try encode(json, messageIndex: method.inputIndex)
    }

    /// Encodes JSON text as the message named `messageName`, reading it straight into the
    /// message with no `JSONValue` tree in between. Malformed JSON is an `invalidJSON` error
    /// too, naming the byte where reading stopped.
    public func encodeText(_ json: UnsafeRawBufferPointer, messageNamed messageName: String) throws(SchemaError) -> [UInt8] {
        try encodeText(json, messageIndex: try messageIndex(named: messageName))
    }

    /// Decodes the response message of `method`.
    /// - Throws: `SchemaError` with code `invalidMessage` when the bytes are not that message.
    public func decodeResponse(_ bytes: UnsafeRawBufferPointer, for method: MethodInfo) throws(SchemaError) -> JSONValue {
        try decode(bytes, messageIndex: method.outputIndex)
    }

    /// Decodes bytes as the message named `messageName` straight to JSON text, with no
    /// `JSONValue` tree in between.
    public func decodeText(_ bytes: UnsafeRawBufferPointer, messageNamed messageName: String) throws(SchemaError) -> [UInt8] {
        try decodeText(bytes, messageIndex: try messageIndex(named: messageName))
    }

    func decodeText(_ bytes: UnsafeRawBufferPointer, messageIndex: Int) throws(SchemaError) -> [UInt8] {
        // JSON text runs about twice the wire size; reserving that makes it one allocation.
        var sink = JSONTextSink(capacity: bytes.count * 2 + 64)
        try decode(bytes, messageIndex: messageIndex, into: &sink)
        return sink.bytes
    }

    private func messageIndex(named messageName: String) throws(SchemaError) -> Int {
        guard let index = schema.messageIndex(named: messageName) else {
            throw SchemaError(.unknownType, "unknown message type \(messageName)")
        }
        return index
    }

    /// Encodes `json` as the message named `messageName` (fully qualified, no leading dot).
    public func encode(_ json: JSONValue, messageNamed messageName: String) throws(SchemaError) -> [UInt8] {
        try encode(json, messageIndex: try messageIndex(named: messageName))
    }

    /// Decodes bytes as the message named `messageName`.
    public func decode(_ bytes: UnsafeRawBufferPointer, messageNamed messageName: String) throws(SchemaError) -> JSONValue {
        try decode(bytes, messageIndex: try messageIndex(named: messageName))
    }

    func encode(_ json: JSONValue, messageIndex: Int) throws(SchemaError) -> [UInt8] {
        try Arena.with(expectedBytes: 0) { (arena) throws(SchemaError) in
            try encode(from: JSONTreeSource(json), messageIndex: messageIndex, arena: arena)
        }
    }

    func encodeText(_ json: UnsafeRawBufferPointer, messageIndex: Int) throws(SchemaError) -> [UInt8] {
        // The structs take about as many bytes as the JSON text: one block holds them all.
        try Arena.with(expectedBytes: json.count + 256) { (arena) throws(SchemaError) in
            try encode(from: JSONReader(json), messageIndex: messageIndex, arena: arena)
        }
    }

    /// Lifetime: the message and everything it points to live in `arena`, which the caller
    /// keeps until this returns; protobuf-c only reads them while packing.
    private func encode<Source: JSONSource>(from source: Source, messageIndex: Int, arena: Arena) throws(SchemaError) -> [UInt8] {
        var encoder = MessageEncoder(schema: schema, arena: arena, options: options, source: source)
        let message: UnsafeMutableRawPointer
        do throws(SchemaError) {
            message = try encoder.makeMessage(messageIndex: messageIndex)
            try encoder.finish()
        } catch {
            throw error.atRoot()
        }
        let cMessage = message.assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(cMessage)
        // An empty message packs to nothing. Array(unsafeUninitializedCapacity: 0) would
        // store its count into the shared empty-array singleton, a write other threads
        // race on (ThreadSanitizer caught it with concurrent empty requests).
        guard size > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = protobuf_c_message_pack(cMessage, buffer.baseAddress!)
        }
    }

    func decode(_ bytes: UnsafeRawBufferPointer, messageIndex: Int) throws(SchemaError) -> JSONValue {
        var sink = JSONTreeSink()
        try decode(bytes, messageIndex: messageIndex, into: &sink)
        return sink.value
    }

    /// Decodes `bytes` as message `messageIndex` into `sink`.
    func decode<Sink: JSONSink>(_ bytes: UnsafeRawBufferPointer, messageIndex: Int, into sink: inout Sink) throws(SchemaError) {
        // Unpacked structs run a few times the size of the wire bytes; a first block of
        // about that size makes the whole message one or two allocations.
        try Arena.with(expectedBytes: bytes.count * 3 + 512) { (arena) throws(SchemaError) in
            let descriptor = schema.pool.descriptor(ofMessage: messageIndex)
            // Lifetime: `unpacked` and everything it points to live in `arena`, alive until
            // this closure returns; the sink copies what it keeps.
            guard let unpacked = MessageDecoder.unpack(bytes, descriptor: descriptor, into: arena) else {
                throw SchemaError(
                    .invalidMessage,
                    "backend sent \(bytes.count) bytes that are not a valid \(schema.messages[messageIndex].fullName)"
                )
            }
            try MessageDecoder(schema: schema, options: options, arena: arena).write(unpacked, messageIndex: messageIndex, to: &sink)
        }
    }
}

extension SchemaError {
    /// Prefixes the path with a path component, as the error travels up from a nested field.
    func within(_ component: String) -> SchemaError {
        var copy = self
        copy.path = component + (path ?? "")
        return copy
    }

    func atRoot() -> SchemaError { within("$") }
}
