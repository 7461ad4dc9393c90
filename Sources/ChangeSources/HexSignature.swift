import Crypto
import Foundation
import HTTPTypes
import WebhookIn

/// A signature header holding the hex HMAC of the raw body, as GitHub, Flux, LaunchDarkly and Terraform Cloud send
/// it, checked against every configured secret (several during a rotation) in constant time.
struct HexSignature<Hash: HashFunction>: Sendable {
    let header: HTTPField.Name
    /// As the vendor's documentation writes it, for errors (`HTTPField.Name` keeps it lowercased).
    let headerName: String
    /// Written before the hex digits: `sha256=` for GitHub and Flux, nothing for LaunchDarkly and Terraform.
    let prefix: String
    private let keys: [SymmetricKey]

    init(header: String, prefix: String = "", secrets: [Secret]) {
        self.header = HTTPField.Name(header)!
        self.headerName = header
        self.prefix = prefix
        self.keys = secrets.map { SymmetricKey(data: Data($0.reveal().utf8)) }
    }

    func verify(_ headers: HTTPFields, body: Data) throws(ChangeSourceRejection) {
        guard let value = headers[header], !value.isEmpty else { throw .missingSignature(headerName) }
        guard value.hasPrefix(prefix), let mac = Self.bytes(hex: value.dropFirst(prefix.count)) else {
            throw .invalidSignature(headerName)
        }
        for key in keys where HMAC<Hash>.isValidAuthenticationCode(mac, authenticating: body, using: key) { return }
        throw .invalidSignature(headerName)
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
