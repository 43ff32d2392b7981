// Package clientaddr names the client a per-address limit counts: the web
// panel's connections, the chat's visitors and the contact page's posts
// share it, so that one client is one client everywhere.
package clientaddr

import "net/netip"

// Key returns the key of a remote address ("host:port", as in
// http.Request.RemoteAddr): its IP, an IPv4-mapped one as IPv4, an IPv6
// one as its /64 (which one subscriber holds whole, so that hopping
// addresses inside it gains nothing). An address that does not parse is
// its own key.
func Key(remote string) string {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return remote
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
