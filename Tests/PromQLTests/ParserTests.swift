import PromQL
import Testing

@Suite struct ParserTests {
    @Test func selectorsFunctionsAggregationsAndArithmetic() throws {
        #expect(try Parser.parse("up") == .selector(Selector(matchers: [Matcher("__name__", .equal, "up")])))
        #expect(try Parser.parse(#"http_requests_total{job="api", code!~"5..", path=~'/a.*', x!=``}"#)
                == .selector(Selector(matchers: [Matcher("__name__", .equal, "http_requests_total"), Matcher("job", .equal, "api"),
                                                  Matcher("code", .notMatches, "5.."), Matcher("path", .matches, "/a.*"), Matcher("x", .notEqual, "")])))
        #expect(try Parser.parse(#"{__name__=~"demo\\..*"}"#) == .selector(Selector(matchers: [Matcher("__name__", .matches, #"demo\..*"#)])))
        let up = Selector(matchers: [Matcher("__name__", .equal, "demo.metric")])
        #expect(try Parser.parse("rate(demo.metric[1h30m])") == .range(.rate, up, rangeMilliseconds: 5_400_000, parameter: nil))
        #expect(try Parser.parse("quantile_over_time(0.99, demo.metric[5m])") == .range(.quantileOverTime, up, rangeMilliseconds: 300_000, parameter: 0.99))
        #expect(try Parser.parse("sum by (job) (rate(demo.metric[5m]))")
                == .aggregate(.sum, grouping: .by(["job"]), .range(.rate, up, rangeMilliseconds: 300_000, parameter: nil)))
        #expect(try Parser.parse("avg(demo.metric) without (instance, job)") == .aggregate(.avg, grouping: .without(["instance", "job"]), .selector(up)))
        #expect(try Parser.parse("1 + 2 * 3 ^ 2 ^ 0.5 - -4")
                == .binary(.subtract, .binary(.add, .number(1), .binary(.multiply, .number(2), .binary(.power, .number(3), .binary(.power, .number(2), .number(0.5))))), .number(-4)))
        #expect(try Parser.parse("demo.metric / 1e3") == .binary(.divide, .selector(up), .number(1000)))
    }

    @Test func unsupportedPartsAreNamed() {
        func message(_ text: String) -> String {
            do { _ = try Parser.parse(text); return "parsed" } catch { return error.description }
        }
        #expect(message("histogram_quantile(0.9, rate(x[5m]))").contains("function 'histogram_quantile' is not supported"))
        #expect(message("topk(3, x)").contains("aggregation 'topk' is not supported"))
        #expect(message("x > 1").contains("comparison operators are not supported"))
        #expect(message("x + y").contains("arithmetic between two vectors is not supported"))
        #expect(message("x[5m]").contains("range selector is only supported inside a function"))
        #expect(message("rate(x[5m] offset 1h)").contains("'offset' is not supported"))
        #expect(message("rate(x[5m:1m])").contains("subqueries are not supported"))
        #expect(message("rate(x)").contains("needs a range selector"))
        #expect(message("{job=\"a\"}").contains("needs a metric name"))
        #expect(message("sum(x").contains("unexpected end of the query"))
        #expect(message("rate(x[5q])").contains("'q' is not a duration unit"))
    }
}
