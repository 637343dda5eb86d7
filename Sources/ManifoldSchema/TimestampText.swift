/// RFC 3339 text for google.protobuf.Timestamp, as the proto3 JSON mapping writes it: UTC
/// with `Z`, and 0, 3, 6 or 9 fraction digits. Input also accepts offsets (`+01:00`) and
/// any number of fraction digits up to 9. Valid range: 0001-01-01 to 9999-12-31 (UTC).
///
/// Both directions work on bytes: the codec reads the text straight from the JSON and
/// writes it into a buffer on the stack, so a timestamp costs no allocation.
enum TimestampText {
    static let minSeconds: Int64 = -62_135_596_800  // 0001-01-01T00:00:00Z
    static let maxSeconds: Int64 = 253_402_300_799  // 9999-12-31T23:59:59Z
    /// The longest text `format` writes: `9999-12-31T23:59:59.999999999Z`.
    static let maxCount = 30

    /// Writes the text of a timestamp into `output` (at least `maxCount` bytes) and returns
    /// its length; nil when the timestamp is out of range.
    static func format(seconds: Int64, nanos: Int32, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard seconds >= minSeconds, seconds <= maxSeconds, (0..<1_000_000_000).contains(nanos) else { return nil }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400  // floor division
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = ASCIIText(output)
        text.digits(year, 4)
        text.byte("-")
        text.digits(month, 2)
        text.byte("-")
        text.digits(day, 2)
        text.byte("T")
        text.digits(secondOfDay / 3600, 2)
        text.byte(":")
        text.digits(secondOfDay / 60 % 60, 2)
        text.byte(":")
        text.digits(secondOfDay % 60, 2)
        text.fraction(nanos)
        text.byte("Z")
        return text.count
    }

    static func parse(_ b: UnsafeRawBufferPointer) -> (seconds: Int64, nanos: Int32)? {
        // yyyy-mm-ddThh:mm:ss at the least, then [.fraction], then Z or ±hh:mm
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
            let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60, year >= 1
        else { return nil }
        var index = 19
        var nanos: Int64 = 0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            guard let (value, end) = fractionNanos(b, from: index + 1) else { return nil }
            nanos = value
            index = end
        }
        guard index < b.count else { return nil }
        var offset: Int64 = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == b.count, b[index + 3] == UInt8(ascii: ":"),
                let h = digits(b, index + 1, 2), let m = digits(b, index + 4, 2), h < 24, m < 60
            else { return nil }
            offset = (h * 3600 + m * 60) * (b[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        let seconds = days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        guard seconds >= minSeconds, seconds <= maxSeconds else { return nil }
        return (seconds, Int32(nanos))
    }

    /// The 1 to 9 fraction digits from `start`, scaled to nanoseconds, and where they end.
    static func fractionNanos(_ b: UnsafeRawBufferPointer, from start: Int) -> (nanos: Int64, end: Int)? {
        var index = start
        var nanos: Int64 = 0
        while index < b.count, let digit = digit(b[index]) {
            guard index - start < 9 else { return nil }
            nanos = nanos * 10 + digit
            index += 1
        }
        let count = index - start
        guard count > 0 else { return nil }
        for _ in count..<9 { nanos *= 10 }
        return (nanos, index)
    }

    // MARK: - Calendar (proleptic Gregorian, after H. Hinnant's days_from_civil)

    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func digit(_ byte: UInt8) -> Int64? {
        byte &- UInt8(ascii: "0") < 10 ? Int64(byte &- UInt8(ascii: "0")) : nil
    }

    private static func digits(_ b: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int64? {
        var value: Int64 = 0
        for i in start..<(start + count) {
            guard i < b.count, let digit = digit(b[i]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
