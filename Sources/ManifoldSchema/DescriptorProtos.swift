// The parts of google/protobuf/descriptor.proto that Manifold reads, as plain values.
// Field numbers in the comments are descriptor.proto's.

/// One `.proto` file (FileDescriptorProto).
struct FileDescriptorProto: Sendable {
    var name = ""  // 1
    var package = ""  // 2
    var messages: [DescriptorProto] = []  // 4
    var enums: [EnumDescriptorProto] = []  // 5
    var services: [ServiceDescriptorProto] = []  // 6
    var syntax = ""  // 12; "" means proto2
}

/// A message type (DescriptorProto).
struct DescriptorProto: Sendable {
    var name = ""  // 1
    var fields: [FieldDescriptorProto] = []  // 2
    var nested: [DescriptorProto] = []  // 3
    var enums: [EnumDescriptorProto] = []  // 4
    var isMapEntry = false  // 7 -> MessageOptions.map_entry (7)
    var oneofNames: [String] = []  // 8 -> OneofDescriptorProto.name (1)
}

/// A field (FieldDescriptorProto).
struct FieldDescriptorProto: Sendable {
    enum Label: Int32, Sendable { case optional = 1, required = 2, repeated = 3 }

    var name = ""  // 1
    var number: Int32 = 0  // 3
    var label: Label = .optional  // 4
    var type: Int32 = 0  // 5, FieldDescriptorProto.Type
    var typeName = ""  // 6, fully qualified with a leading dot
    var packed: Bool?  // 8 -> FieldOptions.packed (2)
    var oneofIndex: Int32?  // 9
    var jsonName: String?  // 10
    var proto3Optional = false  // 17
}

/// An enum type (EnumDescriptorProto).
struct EnumDescriptorProto: Sendable {
    var name = ""  // 1
    var values: [(name: String, number: Int32)] = []  // 2 -> EnumValueDescriptorProto (name 1, number 2)
}

/// A service (ServiceDescriptorProto).
struct ServiceDescriptorProto: Sendable {
    var name = ""  // 1
    var methods: [MethodDescriptorProto] = []  // 2
}

/// A method (MethodDescriptorProto).
struct MethodDescriptorProto: Sendable {
    var name = ""  // 1
    var inputType = ""  // 2
    var outputType = ""  // 3
    var clientStreaming = false  // 5
    var serverStreaming = false  // 6
}
