import AsyncHTTPClient
import Foundation
import Investigation
import NIOCore
import NIOFoundationCompat
import WebhookIn

/// Reads metric series from a Prometheus server's HTTP API (`/api/v1/query_range`), one request per service and
/// query, concurrently, each bounded by the timeout and never retried within an investigation: a failed query is
/// named in the findings, and the investigation goes on without it.
public struct PrometheusSource: MetricSource {
    public struct Settings: Sendable {
        public var url: String
        /// The whole `Authorization` header value (`Bearer …` or `Basic …`), when the server needs one.
        public var authorization: Secret?
        public var timeout: Duration = .seconds(5)
        public var step: Duration = .seconds(60)
        /// Query templates by name; `{{service}}` and `{{alias}}` are replaced.
        public var queries: [String: String]
        /// Per-service templates that replace (or add to) the default ones.
        public var serviceQueries: [String: [String: String]] = [:]
        /// A service's first alias, for `{{alias}}`.
        public var aliases: [String: String] = [:]

        public init(url: String, queries: [String: String]) {
            self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
            self.queries = queries
        }
    }

    /// A query template the server refused at startup.
    public struct Refusal: Error, CustomStringConvertible {
        public var query: String
        public var reason: String
        public var description: String { "metrics.prometheus.queries.\(query): Prometheus refused the query: \(reason)" }
    }

    private let settings: Settings
    private let client: HTTPClient

    public init(settings: Settings, client: HTTPClient) {
        self.settings = settings
        self.client = client
    }

    public func series(for services: [String], over range: ClosedRange<Date>) async -> Answer {
        await withTaskGroup(of: Result<[MetricSeries], QueryFailure>.self) { group in
            for service in services {
                for (name, template) in queries(for: service).sorted(by: { $0.key < $1.key }) {
                    group.addTask { await self.range(name: name, service: service, query: render(template, service), range: range) }
                }
            }
            var series: [MetricSeries] = []
            var failures: [String] = []
            for await result in group {
                switch result {
                case .success(let found): series += found
                case .failure(let failure): failures.append(failure.description)
                }
            }
            return (series, failures.sorted())
        }
    }

    /// Sends each default query once, as an instant query, so a template the server cannot parse stops startup
    /// naming its key. An unreachable server is not an error here: investigations will say metrics were unavailable.
    public func check() async throws(Refusal) -> [String] {
        var unreachable: [String] = []
        for (name, template) in settings.queries.sorted(by: { $0.key < $1.key }) {
            switch await get("/api/v1/query", [("query", render(template, "inquest-startup-check"))]) {
            case .success: continue
            case .failure(.refused(let reason)): throw Refusal(query: name, reason: reason)
            case .failure(let other): unreachable.append("\(name): \(other.reason)")
            }
        }
        return unreachable
    }

    func queries(for service: String) -> [String: String] {
        settings.queries.merging(settings.serviceQueries[service] ?? [:]) { $1 }
    }

    func render(_ template: String, _ service: String) -> String {
        template.replacingOccurrences(of: "{{service}}", with: service)
            .replacingOccurrences(of: "{{alias}}", with: settings.aliases[service] ?? service)
    }

    private enum GetFailure: Error {
        /// The server answered 400 or 422: the query itself is wrong.
        case refused(String)
        case unavailable(String)

        var reason: String {
            switch self {
            case .refused(let reason), .unavailable(let reason): reason
            }
        }
    }

    struct QueryFailure: Error, CustomStringConvertible {
        var name: String
        var service: String
        var reason: String
        var description: String { "query \(name) for \(service): \(reason)" }
    }

    private func range(name: String, service: String, query: String, range: ClosedRange<Date>) async
        -> Result<[MetricSeries], QueryFailure>
    {
        let parameters = [
            ("query", query), ("start", String(Int64(range.lowerBound.timeIntervalSince1970))),
            ("end", String(Int64(range.upperBound.timeIntervalSince1970))), ("step", String(settings.step.components.seconds)),
        ]
        switch await get("/api/v1/query_range", parameters) {
        case .failure(let failure):
            return .failure(QueryFailure(name: name, service: service, reason: failure.reason))
        case .success(let body):
            guard let answer = try? JSONDecoder().decode(QueryResponse.self, from: body), answer.status == "success" else {
                return .failure(QueryFailure(name: name, service: service, reason: "unreadable answer"))
            }
            let series = (answer.data?.result ?? []).map { item in
                MetricSeries(
                    metric: name, service: service, labels: item.metric.filter { !Self.identityLabels.contains($0.key) },
                    points: (item.values ?? []).compactMap { sample in
                        Double(sample.value).map { MetricSeries.Point(at: Date(timeIntervalSince1970: sample.time), value: $0) }
                    })
            }.filter { !$0.points.isEmpty }
            guard !series.isEmpty else {
                return .failure(QueryFailure(name: name, service: service, reason: "no data (empty result)"))
            }
            return .success(series)
        }
    }

    /// Labels that name the series rather than tell it apart from its siblings.
    static let identityLabels: Set<String> = ["__name__", "job", "service"]

    /// Unreserved characters only: `+` would be a space in a query string, and PromQL uses it as addition.
    private static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    private func get(_ path: String, _ parameters: [(String, String)]) async -> Result<Data, GetFailure> {
        let query = parameters.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")"
        }.joined(separator: "&")
        var request = HTTPClientRequest(url: settings.url + path + "?" + query)
        if let authorization = settings.authorization { request.headers.add(name: "Authorization", value: authorization.reveal()) }
        do {
            let response = try await client.execute(request, timeout: .seconds(settings.timeout.components.seconds))
            let body = try await response.body.collect(upTo: 16 << 20)
            let data = Data(buffer: body)
            switch response.status.code {
            case 200: return .success(data)
            case 400, 422:
                let error = (try? JSONDecoder().decode(QueryResponse.self, from: data))?.error ?? "HTTP \(response.status.code)"
                return .failure(.refused("HTTP \(response.status.code): \(error)"))
            default: return .failure(.unavailable("HTTP \(response.status.code)"))
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .failure(.unavailable("timeout after \(settings.timeout.components.seconds) s"))
        } catch {
            return .failure(.unavailable("\(error)"))
        }
    }

    /// `/api/v1/query` and `/api/v1/query_range` answers.
    struct QueryResponse: Decodable {
        struct Body: Decodable {
            var result: [Item]
        }
        struct Item: Decodable {
            var metric: [String: String]
            var values: [Sample]?
        }
        /// `[1732113600, "0.012"]`
        struct Sample: Decodable {
            var time: Double
            var value: String

            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                time = try container.decode(Double.self)
                value = try container.decode(String.self)
            }
        }
        var status: String
        var data: Body?
        var error: String?
    }
}
