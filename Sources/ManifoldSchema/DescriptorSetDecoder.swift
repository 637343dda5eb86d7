/// Decodes a serialized `google.protobuf.FileDescriptorSet` (what `protoc -o` writes) into
/// the plain values of `DescriptorProtos.swift`. Fields Manifold does not use are skipped.
enum DescriptorSetDecoder {
    static func decode(_ bytes: [UInt8]) throws(SchemaError) -> [FileDescriptorProto] {
        var reader = WireReader(bytes)
        var files: [FileDescriptorProto] = []
        while let (number, type) = try reader.nextTag() {
            if number == 1, type == .lengthDelimited {
                var nested = try reader.readNested()
                files.append(try file(&nested))
            } else {
                try reader.skip(type)
            }
        }
        return files
    }

    private static func file(_ r: inout WireReader) throws(SchemaError) -> FileDescriptorProto {
        var file = FileDescriptorProto()
        while let (number, type) = try r.nextTag() {
            switch (number, type) {
            case (1, .lengthDelimited): file.name = try r.readString()
            case (2, .lengthDelimited): file.package = try r.readString()
            case (4, .lengthDelimited):
                var nested = try r.readNested()
                file.messages.append(try message(&nested))
            case (5, .lengthDelimited):
                var nested = try r.readNested()
                file.enums.append(try enumType(&nested))
            case (6, .lengthDelimited):
                var nested = try r.readNested()
                file.services.append(try service(&nested))
            case (12, .lengthDelimited): file.syntax = try r.readString()
            default: try r.skip(type)
            }
        }
        return file
    }

    private static func message(_ r: inout WireReader) throws(SchemaError) -> DescriptorProto {
        var message = DescriptorProto()
        while let (number, type) = try r.nextTag() {
            switch (number, type) {
            case (1, .lengthDelimited): message.name = try r.readString()
            case (2, .lengthDelimited):
                var nested = try r.readNested()
                message.fields.append(try field(&nested))
            case (3, .lengthDelimited):
                var nested = try r.readNested()
                message.nested.append(try self.message(&nested))
            case (4, .lengthDelimited):
                var nested = try r.readNested()
                message.enums.append(try enumType(&nested))
            case (7, .lengthDelimited):
                var options = try r.readNested()
                while let (n, t) = try options.nextTag() {
                    if n == 7, t == .varint { message.isMapEntry = try options.readBool() } else { try options.skip(t) }
                }
            case (8, .lengthDelimited):
                var oneof = try r.readNested()
                var name = ""
                while let (n, t) = try oneof.nextTag() {
                    if n == 1, t == .lengthDelimited { name = try oneof.readString() } else { try oneof.skip(t) }
                }
                message.oneofNames.append(name)
            default: try r.skip(type)
            }
        }
        return message
    }

    private static func field(_ r: inout WireReader) throws(SchemaError) -> FieldDescriptorProto {
        var field = FieldDescriptorProto()
        while let (number, type) = try r.nextTag() {
            switch (number, type) {
            case (1, .lengthDelimited): field.name = try r.readString()
            case (3, .varint): field.number = try r.readInt32()
            case (4, .varint):
                let raw = try r.readInt32()
                guard let label = FieldDescriptorProto.Label(rawValue: raw) else {
                    throw SchemaError(.invalidDescriptor, "field \(field.name) has unknown label \(raw)")
                }
                field.label = label
            case (5, .varint): field.type = try r.readInt32()
            case (6, .lengthDelimited): field.typeName = try r.readString()
            case (8, .lengthDelimited):
                var options = try r.readNested()
                while let (n, t) = try options.nextTag() {
                    if n == 2, t == .varint { field.packed = try options.readBool() } else { try options.skip(t) }
                }
            case (9, .varint): field.oneofIndex = try r.readInt32()
            case (10, .lengthDelimited): field.jsonName = try r.readString()
            case (17, .varint): field.proto3Optional = try r.readBool()
            default: try r.skip(type)
            }
        }
        return field
    }

    private static func enumType(_ r: inout WireReader) throws(SchemaError) -> EnumDescriptorProto {
        var result = EnumDescriptorProto()
        while let (number, type) = try r.nextTag() {
            switch (number, type) {
            case (1, .lengthDelimited): result.name = try r.readString()
            case (2, .lengthDelimited):
                var value = try r.readNested()
                var name = ""
                var valueNumber: Int32 = 0
                while let (n, t) = try value.nextTag() {
                    switch (n, t) {
                    case (1, .lengthDelimited): name = try value.readString()
                    case (2, .varint): valueNumber = try value.readInt32()
                    default: try value.skip(t)
                    }
                }
                result.values.append((name, valueNumber))
            default: try r.skip(type)
            }
        }
        return result
    }

    private static func service(_ r: inout WireReader) throws(SchemaError) -> ServiceDescriptorProto {
        var result = ServiceDescriptorProto()
        while let (number, type) = try r.nextTag() {
            switch (number, type) {
            case (1, .lengthDelimited): result.name = try r.readString()
            case (2, .lengthDelimited):
                var m = try r.readNested()
                var method = MethodDescriptorProto()
                while let (n, t) = try m.nextTag() {
                    switch (n, t) {
                    case (1, .lengthDelimited): method.name = try m.readString()
                    case (2, .lengthDelimited): method.inputType = try m.readString()
                    case (3, .lengthDelimited): method.outputType = try m.readString()
                    case (5, .varint): method.clientStreaming = try m.readBool()
                    case (6, .varint): method.serverStreaming = try m.readBool()
                    default: try m.skip(t)
                    }
                }
                result.methods.append(method)
            default: try r.skip(type)
            }
        }
        return result
    }
}
