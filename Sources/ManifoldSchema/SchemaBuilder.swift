/// Resolves decoded descriptor files into the indexed types of a `Schema` and lays out the
/// protobuf-c struct of every message.
struct SchemaBuilder {
    private var messageProtos: [(fullName: String, proto: DescriptorProto, isProto3: Bool)] = []
    private var messageIndex: [String: Int] = [:]
    private var enums: [EnumInfo] = []
    private var enumIndex: [String: Int] = [:]
    private var methods: [String: MethodInfo] = [:]
    private var services: [String: [String]] = [:]

    static func build(files: [FileDescriptorProto]) throws(SchemaError) -> SchemaBuilder.Output {
        var builder = SchemaBuilder()
        for file in files {
            let prefix = file.package.isEmpty ? "" : file.package + "."
            let isProto3 = file.syntax == "proto3"
            for message in file.messages { builder.register(message, prefix: prefix, isProto3: isProto3) }
            for e in file.enums { builder.register(e, fullName: prefix + e.name) }
        }
        let messages = try builder.resolveMessages()
        for file in files {
            let prefix = file.package.isEmpty ? "" : file.package + "."
            for service in file.services { try builder.register(service, fullName: prefix + service.name) }
        }
        return Output(
            messages: messages,
            messageIndex: builder.messageIndex,
            enums: builder.enums,
            enumIndex: builder.enumIndex,
            methods: builder.methods,
            services: builder.services
        )
    }

    struct Output {
        var messages: [MessageInfo]
        var messageIndex: [String: Int]
        var enums: [EnumInfo]
        var enumIndex: [String: Int]
        var methods: [String: MethodInfo]
        var services: [String: [String]]
    }

    // MARK: - Registration

    private mutating func register(_ message: DescriptorProto, prefix: String, isProto3: Bool) {
        let fullName = prefix + message.name
        // A later file defining the same name is a protoc error; first one wins here.
        guard messageIndex[fullName] == nil else { return }
        messageIndex[fullName] = messageProtos.count
        messageProtos.append((fullName, message, isProto3))
        for nested in message.nested { register(nested, prefix: fullName + ".", isProto3: isProto3) }
        for e in message.enums { register(e, fullName: fullName + "." + e.name) }
    }

    private mutating func register(_ e: EnumDescriptorProto, fullName: String) {
        guard enumIndex[fullName] == nil else { return }
        var byName: [String: Int32] = [:]
        var byNumber: [Int32: String] = [:]
        for value in e.values {
            byName[value.name] = value.number
            if byNumber[value.number] == nil { byNumber[value.number] = value.name }
        }
        enumIndex[fullName] = enums.count
        enums.append(EnumInfo(
            fullName: fullName, values: e.values, numbersByName: byName,
            isNullValue: fullName == WellKnownType.nullValueEnum, namesByNumber: byNumber
        ))
    }

    private mutating func register(_ service: ServiceDescriptorProto, fullName: String) throws(SchemaError) {
        var names: [String] = []
        for method in service.methods {
            let name = fullName + "/" + method.name
            guard let input = messageIndex[Self.trimDot(method.inputType)],
                let output = messageIndex[Self.trimDot(method.outputType)]
            else {
                throw SchemaError(.invalidDescriptor, "method \(name) uses a message type the descriptor set lacks")
            }
            methods[name] = MethodInfo(
                fullName: name,
                path: "/" + name,
                inputIndex: input,
                outputIndex: output,
                clientStreaming: method.clientStreaming,
                serverStreaming: method.serverStreaming
            )
            names.append(name)
        }
        services[fullName] = names
    }

    // MARK: - Resolution and layout

    private func resolveMessages() throws(SchemaError) -> [MessageInfo] {
        var result: [MessageInfo] = []
        result.reserveCapacity(messageProtos.count)
        for (fullName, proto, isProto3) in messageProtos {
            result.append(try resolve(proto, fullName: fullName, isProto3: isProto3))
        }
        return result
    }

    /// Lays out the struct as protoc-c would lay out an equivalent one: the ProtobufCMessage
    /// base, then per field its quantifier and its value, each at its natural alignment.
    /// Oneof members get their own slots instead of a union: protobuf-c only ever reads the
    /// member the case names, so the layout stays valid and simpler to compute.
    private func resolve(_ proto: DescriptorProto, fullName: String, isProto3: Bool) throws(SchemaError) -> MessageInfo {
        var offset = 24  // ProtobufCMessage: descriptor pointer, n_unknown_fields (padded), unknown_fields
        func place(size: Int, alignment: Int) -> Int {
            offset = (offset + alignment - 1) / alignment * alignment
            defer { offset += size }
            return offset
        }

        // Synthetic oneofs (proto3 `optional`) are not oneofs to the JSON mapping.
        var realOneofs: [Int32: Int] = [:]
        var oneofs: [OneofInfo] = []
        for field in proto.fields where !field.proto3Optional {
            guard let index = field.oneofIndex, realOneofs[index] == nil else { continue }
            guard proto.oneofNames.indices.contains(Int(index)) else {
                throw SchemaError(.invalidDescriptor, "\(fullName).\(field.name) names a oneof that does not exist")
            }
            realOneofs[index] = oneofs.count
            oneofs.append(OneofInfo(name: proto.oneofNames[Int(index)], caseOffset: place(size: 4, alignment: 4)))
        }

        var fields: [FieldInfo] = []
        var byName: [String: Int] = [:]
        for field in proto.fields {
            guard let type = FieldType(rawValue: field.type) else {
                throw SchemaError(.invalidDescriptor, "\(fullName).\(field.name) has unknown type \(field.type)")
            }
            guard type != .group else {
                throw SchemaError(.unsupported, "\(fullName).\(field.name) is a proto2 group, which Manifold does not support")
            }
            var messageIndex: Int?
            var enumIndex: Int?
            if type == .message {
                guard let index = self.messageIndex[Self.trimDot(field.typeName)] else {
                    throw SchemaError(.invalidDescriptor, "\(fullName).\(field.name) has unknown type \(field.typeName)")
                }
                messageIndex = index
            } else if type == .enumeration {
                guard let index = self.enumIndex[Self.trimDot(field.typeName)] else {
                    throw SchemaError(.invalidDescriptor, "\(fullName).\(field.name) has unknown enum \(field.typeName)")
                }
                enumIndex = index
            }
            let oneofIndex = field.proto3Optional ? nil : field.oneofIndex.flatMap { realOneofs[$0] }

            let cardinality: FieldInfo.Cardinality
            switch field.label {
            case .repeated: cardinality = .repeated
            case .required: cardinality = .required
            case .optional:
                let hasPresence = !isProto3 || field.proto3Optional || oneofIndex != nil || type == .message
                cardinality = hasPresence ? .optional : .implicit
            }

            let quantifierOffset: Int?
            let valueOffset: Int
            switch cardinality {
            case .repeated:
                quantifierOffset = place(size: 8, alignment: 8)  // size_t n_
                valueOffset = place(size: 8, alignment: 8)  // element array pointer
            case .optional where oneofIndex != nil:
                quantifierOffset = oneofs[oneofIndex!].caseOffset
                valueOffset = place(size: type.storageSize, alignment: min(type.storageSize, 8))
            case .optional where !type.presenceIsPointer:
                quantifierOffset = place(size: 4, alignment: 4)  // protobuf_c_boolean has_
                valueOffset = place(size: type.storageSize, alignment: min(type.storageSize, 8))
            default:
                quantifierOffset = nil
                valueOffset = place(size: type.storageSize, alignment: min(type.storageSize, 8))
            }

            let isScalarList = type != .string && type != .bytes && type != .message
            let packed = cardinality == .repeated && isScalarList && (field.packed ?? isProto3)
            let isMap = cardinality == .repeated && messageIndex.map { messageProtos[$0].proto.isMapEntry } == true
            let jsonName = field.jsonName ?? Self.lowerCamel(field.name)

            byName[field.name] = fields.count
            if byName[jsonName] == nil { byName[jsonName] = fields.count }
            fields.append(
                FieldInfo(
                    name: field.name,
                    jsonName: jsonName,
                    number: field.number,
                    type: type,
                    cardinality: cardinality,
                    messageIndex: messageIndex,
                    enumIndex: enumIndex,
                    oneofIndex: oneofIndex,
                    isMap: isMap,
                    isPacked: packed,
                    offset: valueOffset,
                    quantifierOffset: quantifierOffset,
                    nullIsValue: ["google.protobuf.Value", WellKnownType.nullValueEnum].contains(Self.trimDot(field.typeName))
                )
            )
        }
        // The codec reads a map entry's key and value as its first and second field.
        if proto.isMapEntry, fields.map(\.number) != [1, 2] {
            throw SchemaError(.invalidDescriptor, "map entry \(fullName) must have a key (1) and a value (2) and nothing else")
        }
        let size = (offset + 7) / 8 * 8
        return MessageInfo(
            fullName: fullName,
            fields: fields,
            fieldsByName: byName,
            oneofs: oneofs,
            isMapEntry: proto.isMapEntry,
            wellKnown: WellKnownType(fullName: fullName),
            structSize: size
        )
    }

    static func trimDot(_ name: String) -> String {
        name.hasPrefix(".") ? String(name.dropFirst()) : name
    }

    /// protoc's default `json_name`: underscores dropped, the letter after each capitalized.
    static func lowerCamel(_ name: String) -> String {
        var result = ""
        var upperNext = false
        for ch in name {
            if ch == "_" {
                upperNext = true
            } else if upperNext {
                result += ch.uppercased()
                upperNext = false
            } else {
                result.append(ch)
            }
        }
        return result
    }
}
