import Testing
@testable import Problems

@Suite struct TOMLReaderTests {
    @Test func readsTheSubsetWithLines() throws {
        let text = """
            # comment
            name = "a \\"quoted\\" name"   # trailing comment
            description = \"\"\"
            two
            lines\"\"\"

            [domain]
            x = [-1.5, 2_000]
            flag = true
            expr = 'log(m)'
            list = [
              "a",
              "b",
            ]
            """
        let tables = try TOMLReader.parse(text)
        #expect(tables.map(\.name) == ["", "domain"])
        #expect(tables[0]["name"]?.value == .string("a \"quoted\" name"))
        #expect(tables[0]["name"]?.line == 2)
        #expect(tables[0]["description"]?.value == .string("two\nlines"))
        #expect(tables[1].line == 7)
        #expect(tables[1]["x"]?.value == .array([.number(-1.5, isInteger: false), .number(2000, isInteger: true)]))
        #expect(tables[1]["x"]?.line == 8)
        #expect(tables[1]["flag"]?.value == .bool(true))
        #expect(tables[1]["expr"]?.value == .string("log(m)"))
        #expect(tables[1]["list"]?.value == .array([.string("a"), .string("b")]))
    }

    func error(_ text: String) -> TOMLError? {
        do { _ = try TOMLReader.parse(text); return nil } catch let e as TOMLError { return e } catch { return nil }
    }

    @Test func errorsNameTheLine() {
        #expect(error("a = 1\na = 2")?.line == 2)
        #expect(error("a = 1\na = 2")?.message.contains("first on line 1") == true)
        #expect(error("x = \"open\ny = 2")?.message.contains("unterminated") == true)
        #expect(error("\n\nkey 1")?.line == 3)
        #expect(error("density = exp(x)")?.message.contains("strings need quotes") == true)
        #expect(error("[a]\n[a]")?.line == 2)
        #expect(error("[a\nb = 1")?.message.contains("closing ']'") == true)
        #expect(error("x = [1, 2")?.message.contains("']'") == true)
        #expect(error("x = 1 2")?.message.contains("unexpected text") == true)
        #expect(error("x = nan")?.message.contains("not a value") == true)
        #expect(error("x = 1e400")?.message.contains("too large for a number") == true)
        #expect(error("x = -2e999")?.message.contains("too large for a number") == true)
    }
}
