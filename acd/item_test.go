package acd_test

import (
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
)

// TestItemCopy reads a live item offered to an agent, the way the console's
// screen pop does: a copy that the caller may change freely, and nothing
// once the item has ended.
func TestItemCopy(t *testing.T) {
	h := newHarness(t, []config.Queue{{Name: "support", Members: []string{"ann"}}}, []config.Agent{{Name: "ann"}})
	if _, ok := h.d.Item("nope"); ok {
		t.Fatal("an unknown item was found")
	}
	id := h.enqueue(acd.Item{Channel: acd.Voice, Queue: "support", Context: map[string]string{"from": "+33612345678", "intent": "billing"}})
	h.available("ann")
	h.offered(id + "→ann")
	snap := h.d.Snapshot()
	if len(snap.Agents) != 1 || len(snap.Agents[0].Offered) != 1 || snap.Agents[0].Offered[0] != id {
		t.Fatalf("snapshot: %+v", snap.Agents)
	}
	it, ok := h.d.Item(id)
	if !ok || it.ID != id || it.Queue != "support" || it.Channel != acd.Voice || it.Context["intent"] != "billing" {
		t.Fatalf("item %+v, %v", it, ok)
	}
	it.Context["intent"] = "changed"
	if again, _ := h.d.Item(id); again.Context["intent"] != "billing" {
		t.Fatal("changing the copy changed the live item")
	}
	if err := h.d.Abandon(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.d.Item(id); ok {
		t.Fatal("an ended item is still found")
	}
}
