/// `host:port` as configs write addresses: a name or IPv4 address, or a bracketed IPv6
/// address (`[::1]:8080`), then a port from 0 to 65535.
public enum HostPort {
    /// The host (brackets removed) and port, or nil when `text` is not `host:port`.
    public static func parse(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            // An unbracketed IPv6 address would be ambiguous: its last group reads as a port.
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, portText.allSatisfy(\.isASCII), let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}
