import Foundation
import Testing
import WebhookIn

@Suite struct SignatureVerifierTests {
    struct Vector: Decodable, CustomTestStringConvertible {
        let name, secret, id, body, signature: String
        let timestamp: Int64
        let valid: Bool
        var testDescription: String { name }

        static var all: [Vector] {
            struct File: Decodable { let vectors: [Vector] }
            return (try? JSONDecoder().decode(File.self, from: Fixtures.data("standard-webhooks-vectors.json")).vectors)
                ?? []
        }
    }

    @Test func vectorFileIsLoaded() {
        #expect(Vector.all.count >= 7)
    }

    /// Computed by the standardwebhooks Python package: an implementation independent of ours.
    @Test(arguments: Vector.all)
    func independentVectorVerifiesAsExpected(_ vector: Vector) throws {
        let verifier = try SignatureVerifier(
            secrets: [Secret(vector.secret)], now: { Date(timeIntervalSince1970: TimeInterval(vector.timestamp)) })
        let result = Result { () throws(SignatureVerifier.Failure) in
            try verifier.verify(
                id: vector.id, timestamp: String(vector.timestamp), signatures: vector.signature,
                body: Data(vector.body.utf8))
        }
        #expect(((try? result.get()) != nil) == vector.valid)
    }

    let secret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let timestamp: Int64 = 1_614_265_330
    let body = Data(#"{"test": 2432232314}"#.utf8)
    let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    func verifier(_ secrets: [Secret]? = nil, offset: TimeInterval = 0) throws -> SignatureVerifier {
        let now = Date(timeIntervalSince1970: TimeInterval(timestamp) + offset)
        return try SignatureVerifier(secrets: secrets ?? [secret], now: { now })
    }

    @Test func signMatchesTheSpecExample() throws {
        #expect(try SignatureVerifier.sign(id: id, timestamp: timestamp, body: body, secret: secret) == expected)
    }

    @Test func rawBase64SecretWithoutPrefixVerifies() throws {
        try verifier([Secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")])
            .verify(id: id, timestamp: String(timestamp), signatures: expected, body: body)
    }

    @Test func tamperedBodyIdTimestampOrSecretFails() throws {
        let good = try verifier()
        #expect(throws: SignatureVerifier.Failure.invalidSignature) {
            try good.verify(id: id, timestamp: String(timestamp), signatures: expected, body: Data(#"{"test": 1}"#.utf8))
        }
        #expect(throws: SignatureVerifier.Failure.invalidSignature) {
            try good.verify(id: id + "x", timestamp: String(timestamp), signatures: expected, body: body)
        }
        #expect(throws: SignatureVerifier.Failure.invalidSignature) {
            try good.verify(id: id, timestamp: String(timestamp + 1), signatures: expected, body: body)
        }
        #expect(throws: SignatureVerifier.Failure.invalidSignature) {
            try verifier([Secret("whsec_" + Data(repeating: 7, count: 24).base64EncodedString())])
                .verify(id: id, timestamp: String(timestamp), signatures: expected, body: body)
        }
    }

    @Test func anyOfSeveralSignaturesMayMatch() throws {
        try verifier().verify(
            id: id, timestamp: String(timestamp), signatures: "v1,AAAA v1a,zzz \(expected)", body: body)
    }

    @Test func unknownVersionsAreSkipped() throws {
        #expect(throws: SignatureVerifier.Failure.invalidSignature) {
            try verifier().verify(
                id: id, timestamp: String(timestamp), signatures: expected.replacingOccurrences(of: "v1,", with: "v2,"),
                body: body)
        }
    }

    @Test func eitherRotatedSecretVerifies() throws {
        let other = Secret("whsec_" + Data(repeating: 1, count: 32).base64EncodedString())
        let rotating = try verifier([other, secret])
        try rotating.verify(id: id, timestamp: String(timestamp), signatures: expected, body: body)
        let byOther = try SignatureVerifier.sign(id: id, timestamp: timestamp, body: body, secret: other)
        try rotating.verify(id: id, timestamp: String(timestamp), signatures: byOther, body: body)
    }

    @Test(arguments: [-301.0, 301.0, -3600, 86400])
    func timestampsBeyondFiveMinutesFail(offset: TimeInterval) throws {
        #expect(throws: SignatureVerifier.Failure.timestampOutsideTolerance) {
            try verifier(offset: offset).verify(id: id, timestamp: String(timestamp), signatures: expected, body: body)
        }
    }

    @Test(arguments: [-300.0, 0, 300])
    func timestampsWithinFiveMinutesPass(offset: TimeInterval) throws {
        try verifier(offset: offset).verify(id: id, timestamp: String(timestamp), signatures: expected, body: body)
    }

    @Test func missingHeadersAreNamed() throws {
        #expect(throws: SignatureVerifier.Failure.missingHeaders) {
            try verifier().verify(id: nil, timestamp: String(timestamp), signatures: expected, body: body)
        }
        #expect(throws: SignatureVerifier.Failure.missingHeaders) {
            try verifier().verify(id: id, timestamp: String(timestamp), signatures: nil, body: body)
        }
        #expect(throws: SignatureVerifier.Failure.invalidTimestamp) {
            try verifier().verify(id: id, timestamp: "yesterday", signatures: expected, body: body)
        }
    }

    @Test func malformedSecretFailsAtConstructionWithoutRevealingIt() {
        let bad = Secret("whsec_not*base64!")
        do {
            _ = try SignatureVerifier(secrets: [bad])
            Issue.record("a malformed secret was accepted")
        } catch {
            #expect(!error.description.contains("not*base64"))
            #expect(error.description.contains(bad.fingerprint))
        }
    }

    @Test func secretNeverPrintsItsValue() {
        let secret = Secret("xoxb-very-secret")
        #expect("\(secret)" == "<redacted>")
        #expect(!String(reflecting: secret).contains("very-secret"))
    }
}
