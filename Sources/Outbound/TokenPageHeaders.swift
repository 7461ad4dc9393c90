import HTTPTypes

/// Response headers for HTML pages whose URL carries an access token (investigation pages, ack pages): the token
/// must not leave through a `Referer` to a linked site, stay in a shared cache, or be sniffed into another type.
package enum TokenPageHeaders {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    package static func html(contentSecurityPolicy: String) -> HTTPFields {
        [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: contentSecurityPolicy,
            referrerPolicy: "no-referrer",
            .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff",
        ]
    }
}
