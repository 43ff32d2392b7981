package dialplan

import "testing"

// BenchmarkPatternMatch is the baseline: one pattern against one number.
func BenchmarkPatternMatch(b *testing.B) {
	p, err := ParsePattern("0[1-9]XXXXXXXX")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !p.Match("0123456789") {
			b.Fatal("no match")
		}
	}
}

// BenchmarkOutbound routes a national number through the test plan
// (normalisation, class check, legs with caller IDs).
func BenchmarkOutbound(b *testing.B) {
	d, err := New(Config{
		Outbound: []OutboundRoute{
			{Pattern: "0[1-9]XXXXXXXX", Trunks: []string{"provider", "backup"}},
			{Pattern: "00.", Trunks: []string{"provider"}},
			{Pattern: "9.", Strip: 1, Trunks: []string{"gateway"}, Class: "local"},
			{Pattern: "1XX", Prepend: "+33", Trunks: []string{"provider"}, Class: "local"},
		},
		TrunkCallerID: map[string]string{"provider": "+33123456789"},
	})
	if err != nil {
		b.Fatal(err)
	}
	c := Caller{Extension: "1001", Authenticated: true, Class: ClassNational}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Outbound(c, "0123456789"); err != nil {
			b.Fatal(err)
		}
	}
}
