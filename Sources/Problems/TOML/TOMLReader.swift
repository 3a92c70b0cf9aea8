import Foundation

/// A value of the TOML subset read by `TOMLReader`.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case number(Double, isInteger: Bool)
    case bool(Bool)
    case array([TOMLValue])

    var kind: String {
        switch self {
        case .string: return "a string"
        case let .number(_, isInteger): return isInteger ? "an integer" : "a number"
        case .bool: return "a boolean"
        case .array: return "an array"
        }
    }
}

/// `key = value` and the line it is on.
public struct TOMLEntry: Sendable {
    public let key: String
    public let value: TOMLValue
    public let line: Int
}

/// A `[table]` (the root table has the name ""), its entries in file order.
public struct TOMLTable: Sendable {
    public let name: String
    public let line: Int
    public var entries: [TOMLEntry] = []
    public subscript(key: String) -> TOMLEntry? { entries.first { $0.key == key } }
}

public struct TOMLError: Error, CustomStringConvertible, Sendable {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

/// Reads the subset of TOML 1.0 that problem files use, keeping the line of every key so that
/// errors can name it: comments, `[table]` headers (dotted names allowed), `key = value` with
/// bare keys, basic `"..."`, literal `'...'` and multi-line `"""..."""` strings, integers and
/// floats (with `_` separators), booleans, and arrays (which may span lines). Every file in this
/// subset is valid TOML (Python's `tomllib` reads it).
public enum TOMLReader {
    public static func parse(_ text: String) throws -> [TOMLTable] {
        var cursor = Cursor(Array(text.unicodeScalars))
        var tables = [TOMLTable(name: "", line: 1)]
        while true {
            cursor.skipBlank()
            guard let c = cursor.peek else { break }
            let line = cursor.line
            if c == "[" {
                cursor.advance()
                let name = cursor.take { $0 != "]" && $0 != "\n" }.trimmingCharacters(in: .whitespaces)
                guard cursor.peek == "]" else { throw TOMLError(line: line, message: "table header needs a closing ']'") }
                cursor.advance()
                guard !name.isEmpty, name.unicodeScalars.allSatisfy({ isBareKey($0) || $0 == "." }) else {
                    throw TOMLError(line: line, message: "invalid table name '[\(name)]'")
                }
                if let previous = tables.first(where: { $0.name == name }) {
                    throw TOMLError(line: line, message: "table [\(name)] is defined twice (first on line \(previous.line))")
                }
                tables.append(TOMLTable(name: name, line: line))
                try cursor.endOfLine()
                continue
            }
            let key = cursor.take { isBareKey($0) }
            guard !key.isEmpty else {
                throw TOMLError(line: line, message: "expected a key (letters, digits, '_' or '-'), a [table] or a comment; found '\(Character(c))'")
            }
            cursor.skipSpaces()
            guard cursor.peek == "=" else { throw TOMLError(line: line, message: "expected '=' after the key '\(key)'") }
            cursor.advance()
            cursor.skipSpaces()
            let value = try cursor.value()
            try cursor.endOfLine()
            if let previous = tables[tables.count - 1][key] {
                throw TOMLError(line: line, message: "key '\(key)' is given twice (first on line \(previous.line))")
            }
            tables[tables.count - 1].entries.append(TOMLEntry(key: key, value: value, line: line))
        }
        return tables
    }

    static func isBareKey(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
    }

    struct Cursor {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1
        init(_ s: [Unicode.Scalar]) { self.s = s }

        var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }
        func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }
        mutating func advance() {
            if s[i] == "\n" { line += 1 }
            i += 1
        }
        mutating func take(while ok: (Unicode.Scalar) -> Bool) -> String {
            var out = String.UnicodeScalarView()
            while let c = peek, ok(c) { out.append(c); advance() }
            return String(out)
        }
        mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" { advance() } }
        /// Spaces, newlines and comments.
        mutating func skipBlank() {
            while let c = peek {
                if c == " " || c == "\t" || c == "\n" || c == "\r" { advance() }
                else if c == "#" { while let d = peek, d != "\n" { advance() } }
                else { break }
            }
        }
        mutating func endOfLine() throws {
            skipSpaces()
            if peek == "#" { while let d = peek, d != "\n" { advance() } }
            if peek == "\r" { advance() }
            guard peek == nil || peek == "\n" else {
                throw TOMLError(line: line, message: "unexpected text after the value: '\(String(String.UnicodeScalarView(s[i..<min(s.count, i + 20)])))'")
            }
        }

        var depth = 0

        mutating func value() throws -> TOMLValue {
            let start = line
            depth += 1
            defer { depth -= 1 }
            guard depth <= 32 else { throw TOMLError(line: line, message: "arrays are nested too deeply") }
            guard let c = peek else { throw TOMLError(line: line, message: "missing value after '='") }
            if c == "\"" {
                if peek(1) == "\"" && peek(2) == "\"" { return .string(try multilineString()) }
                return .string(try basicString())
            }
            if c == "'" {
                advance()
                let body = take { $0 != "'" && $0 != "\n" }
                guard peek == "'" else { throw TOMLError(line: start, message: "unterminated string") }
                advance()
                return .string(body)
            }
            if c == "[" {
                advance()
                var items: [TOMLValue] = []
                while true {
                    skipBlank()
                    if peek == "]" { advance(); break }
                    items.append(try value())
                    skipBlank()
                    if peek == "," { advance(); continue }
                    if peek == "]" { advance(); break }
                    throw TOMLError(line: line, message: "expected ',' or ']' in the array that starts on line \(start)")
                }
                return .array(items)
            }
            let word = take { isBareKey($0) || $0 == "." || $0 == "+" }
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "": throw TOMLError(line: start, message: "expected a value (a number, a \"string\", true/false or [array]), found '\(Character(c))'")
            default:
                let digits = word.replacingOccurrences(of: "_", with: "")
                if let n = Int(digits) { return .number(Double(n), isInteger: true) }
                if let v = Double(digits), v.isFinite, !digits.lowercased().contains("inf"), !digits.lowercased().contains("nan") {
                    return .number(v, isInteger: false)
                }
                if let v = Double(digits), v.isInfinite, digits.first?.isNumber == true || digits.dropFirst().first?.isNumber == true {
                    throw TOMLError(line: start, message: "'\(word)' is too large for a number (the largest is about 1.8e308)")
                }
                throw TOMLError(line: start, message: "'\(word)' is not a value; strings need quotes: \"\(word)\"")
            }
        }

        mutating func basicString() throws -> String {
            let start = line
            advance()
            var out = String.UnicodeScalarView()
            while let c = peek, c != "\"" {
                if c == "\n" { throw TOMLError(line: start, message: "unterminated string (strings end on their line; use \"\"\" for several lines)") }
                if c == "\\" {
                    advance()
                    out.append(try escape(start))
                } else {
                    out.append(c)
                    advance()
                }
            }
            guard peek == "\"" else { throw TOMLError(line: start, message: "unterminated string") }
            advance()
            return String(out)
        }

        mutating func multilineString() throws -> String {
            let start = line
            advance(); advance(); advance()
            if peek == "\n" { advance() }  // a newline right after """ is trimmed
            var out = String.UnicodeScalarView()
            while true {
                guard let c = peek else { throw TOMLError(line: start, message: "unterminated \"\"\" string") }
                if c == "\"" && peek(1) == "\"" && peek(2) == "\"" {
                    advance(); advance(); advance()
                    return String(out)
                }
                if c == "\\" {
                    advance()
                    if peek == "\n" {  // line-ending backslash: trim the newline and leading blanks
                        while let d = peek, d == "\n" || d == " " || d == "\t" { advance() }
                        continue
                    }
                    out.append(try escape(start))
                } else {
                    out.append(c)
                    advance()
                }
            }
        }

        mutating func escape(_ start: Int) throws -> Unicode.Scalar {
            guard let e = peek else { throw TOMLError(line: start, message: "unterminated string") }
            advance()
            switch e {
            case "n": return "\n"
            case "t": return "\t"
            case "\\": return "\\"
            case "\"": return "\""
            default: throw TOMLError(line: line, message: "unsupported escape '\\\(Character(e))' (use \\n \\t \\\\ \\\")")
            }
        }
    }
}
