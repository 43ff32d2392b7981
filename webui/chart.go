package webui

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/acd/stats"
)

// The day chart's geometry, in SVG user units: one column per quarter
// hour, the plot between the axes' margins.
const (
	chartSlots  = 24 * 4
	chartColumn = 6
	chartLeft   = 44
	chartTop    = 12
	chartHeight = 160
	chartWidth  = chartSlots * chartColumn
)

// dayChart is the service level and the volume over the day, summed over
// the report's days (and queues), drawn as inline SVG: a bar per quarter
// hour for the items that entered, a line for the service level.
type dayChart struct {
	Empty bool
	// Width and Height are the whole picture's.
	Width, Height int
	Bars          []chartBar
	// Line is the service level's polyline points; Dots its points.
	Line     string
	Dots     []chartPoint
	Hours    []chartLabel
	MaxCount int
	// Axis positions.
	Left, Right, Top, Bottom int
}

type chartBar struct {
	X, Y, W, H int
	Title      string
}

type chartPoint struct {
	X, Y  int
	Title string
}

type chartLabel struct {
	X    int
	Text string
}

// newDayChart folds intervals onto the quarter hours of one day in loc.
func newDayChart(intervals []stats.IntervalStats, loc *time.Location) dayChart {
	var entered, inTarget, counted [chartSlots]int
	for _, iv := range intervals {
		t := iv.Start.In(loc)
		i := t.Hour()*4 + t.Minute()/15
		entered[i] += iv.Entered
		inTarget[i] += iv.AnsweredInTarget
		counted[i] += iv.Answered + iv.Abandoned
	}
	c := dayChart{Width: chartLeft + chartWidth + 48, Height: chartTop + chartHeight + 28,
		Left: chartLeft, Right: chartLeft + chartWidth, Top: chartTop, Bottom: chartTop + chartHeight}
	for _, n := range entered {
		c.MaxCount = max(c.MaxCount, n)
	}
	c.Empty = c.MaxCount == 0
	var line []string
	for i := range chartSlots {
		x := chartLeft + i*chartColumn
		slot := fmt.Sprintf("%02d:%02d", i/4, i%4*15)
		if n := entered[i]; n > 0 {
			h := max(n*chartHeight/c.MaxCount, 1)
			c.Bars = append(c.Bars, chartBar{X: x, Y: c.Bottom - h, W: chartColumn - 1, H: h, Title: fmt.Sprintf("%s: %d entered", slot, n)})
		}
		if counted[i] > 0 {
			pct := inTarget[i] * 100 / counted[i]
			p := chartPoint{X: x + chartColumn/2, Y: c.Bottom - pct*chartHeight/100, Title: fmt.Sprintf("%s: service level %d%%", slot, pct)}
			c.Dots = append(c.Dots, p)
			line = append(line, fmt.Sprintf("%d,%d", p.X, p.Y))
		}
	}
	c.Line = strings.Join(line, " ")
	for h := 0; h <= 24; h += 3 {
		c.Hours = append(c.Hours, chartLabel{X: chartLeft + h*4*chartColumn, Text: fmt.Sprintf("%02d:00", h%24)})
	}
	return c
}
