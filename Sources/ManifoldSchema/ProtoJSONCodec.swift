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

    /// Decodes the response message of `method`.
    /// - Throws: `SchemaError` with code `invalidMessage` when the bytes are not that message.
    public func decodeResponse(_ bytes: UnsafeRawBufferPointer, for method: MethodInfo) throws(SchemaError) -> JSONValue {
        try decode(bytes, messageIndex: method.outputIndex)
    }

    /// Encodes `json` as the message named `messageName` (fully qualified, no leading dot).
    public func encode(_ json: JSONValue, messageNamed messageName: String) throws(SchemaError) -> [UInt8] {
        guard let index = schema.messageIndex(named: messageName) else {
            throw SchemaError(.unknownType, "unknown message type \(messageName)")
        }
        return try encode(json, messageIndex: index)
    }

    /// Decodes bytes as the message named `messageName`.
    public func decode(_ bytes: UnsafeRawBufferPointer, messageNamed messageName: String) throws(SchemaError) -> JSONValue {
        guard let index = schema.messageIndex(named: messageName) else {
            throw SchemaError(.unknownType, "unknown message type \(messageName)")
        }
        return try decode(bytes, messageIndex: index)
    }

    func encode(_ json: JSONValue, messageIndex: Int) throws(SchemaError) -> [UInt8] {
        let arena = Arena()
        let encoder = MessageEncoder(schema: schema, arena: arena, options: options)
        let message: UnsafeMutableRawPointer
        do throws(SchemaError) {
            message = try encoder.makeMessage(from: json, messageIndex: messageIndex)
        } catch {
            throw error.atRoot()
        }
        // Lifetime: `message` and everything it points to belong to `arena`, alive until
        // this function returns; protobuf-c only reads them while packing.
        return withExtendedLifetime(arena) {
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
    }

    func decode(_ bytes: UnsafeRawBufferPointer, messageIndex: Int) throws(SchemaError) -> JSONValue {
        let descriptor = schema.pool.descriptor(ofMessage: messageIndex)
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // protobuf-c wants a non-NULL pointer even for an empty message.
        let unpacked = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { scratch in
            protobuf_c_message_unpack(descriptor, nil, bytes.count, base ?? UnsafePointer(scratch.baseAddress!))
        }
        guard let unpacked else {
            throw SchemaError(
                .invalidMessage,
                "backend sent \(bytes.count) bytes that are not a valid \(schema.messages[messageIndex].fullName)"
            )
        }
        // Lifetime: protobuf-c allocated `unpacked` with the default allocator; it is freed
        // here, after the decoder has copied everything it needs into Swift values.
        defer { protobuf_c_message_free_unpacked(unpacked, nil) }
        let decoder = MessageDecoder(schema: schema, options: options)
        return try decoder.value(of: UnsafeRawPointer(unpacked), messageIndex: messageIndex)
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
