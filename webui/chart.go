package webui

import (
	"fmt"
	"maps"
	"slices"
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
	chartFrame
	Bars []chartBar
	// Line is the service level's polyline points; Dots its points.
	Line string
	Dots []chartPoint
}

// chartFrame is what the charts over the day share: the picture's size,
// the axes' positions, the hour labels and the tallest bar's count.
type chartFrame struct {
	Empty bool
	// Width and Height are the whole picture's.
	Width, Height int
	Hours         []chartLabel
	MaxCount      int
	// Axis positions.
	Left, Right, Top, Bottom int
}

// newChartFrame lays out a chart over the day whose tallest quarter hour
// counts the most of totals; below is the room under the hour labels.
func newChartFrame(totals []int, below int) chartFrame {
	f := chartFrame{Width: chartLeft + chartWidth + 48, Height: chartTop + chartHeight + 28 + below,
		Left: chartLeft, Right: chartLeft + chartWidth, Top: chartTop, Bottom: chartTop + chartHeight}
	for _, n := range totals {
		f.MaxCount = max(f.MaxCount, n)
	}
	f.Empty = f.MaxCount == 0
	for h := 0; h <= 24; h += 3 {
		f.Hours = append(f.Hours, chartLabel{X: chartLeft + h*4*chartColumn, Text: fmt.Sprintf("%02d:00", h%24)})
	}
	return f
}

type chartBar struct {
	X, Y, W, H int
	Title      string
	// Fill colours a stacked segment (the volume chart's channel).
	Fill string
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
		i := slotOf(iv.Start, loc)
		entered[i] += iv.Entered
		inTarget[i] += iv.AnsweredInTarget
		counted[i] += iv.Answered + iv.Abandoned
	}
	c := dayChart{chartFrame: newChartFrame(entered[:], 0)}
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
	return c
}

// channelFills are the volume chart's colours, one per channel in
// config.Channels order (the badges' hues, darker); other channels get
// the last.
var channelFills = map[string]string{"voice": "#4f7fcf", "chat": "#8a5cc7", "email": "#d19a2a", "callback": "#3f9f7f", "": "#8a93a3"}

// volumeChart is the items offered per quarter hour stacked by channel,
// summed over the report's days, drawn as inline SVG with its legend.
type volumeChart struct {
	chartFrame
	Bars   []chartBar
	Legend []chartKey
}

// chartKey is one entry of a chart's legend.
type chartKey struct {
	X    int
	Fill string
	Text string
}

// newVolumeChart folds the channel volumes onto the quarter hours of one
// day in loc and stacks them in the order of channels.
func newVolumeChart(volume []channelVolume, channels []string, loc *time.Location) volumeChart {
	counts := map[string]*[chartSlots]int{}
	var total [chartSlots]int
	for _, v := range volume {
		i := slotOf(v.Start, loc)
		if counts[v.Channel] == nil {
			counts[v.Channel] = &[chartSlots]int{}
		}
		counts[v.Channel][i] += v.Offered
		total[i] += v.Offered
	}
	c := volumeChart{chartFrame: newChartFrame(total[:], 20)}
	channels = slices.Clone(channels)
	for _, ch := range slices.Sorted(maps.Keys(counts)) {
		if !slices.Contains(channels, ch) {
			channels = append(channels, ch)
		}
	}
	for i := range chartSlots {
		x, y := chartLeft+i*chartColumn, c.Bottom
		slot := fmt.Sprintf("%02d:%02d", i/4, i%4*15)
		cum := 0
		for _, ch := range channels {
			n := 0
			if counts[ch] != nil {
				n = counts[ch][i]
			}
			if n == 0 {
				continue
			}
			// Each segment ends at the running total's height, at least 1.
			cum += n
			top := min(c.Bottom-cum*chartHeight/c.MaxCount, y-1)
			c.Bars = append(c.Bars, chartBar{X: x, Y: top, W: chartColumn - 1, H: y - top, Fill: channelFill(ch), Title: fmt.Sprintf("%s: %d %s", slot, n, ch)})
			y = top
		}
	}
	for i, ch := range channels {
		c.Legend = append(c.Legend, chartKey{X: chartLeft + i*90, Fill: channelFill(ch), Text: ch})
	}
	return c
}

// slotOf is the quarter hour of the day t falls in, in loc.
func slotOf(t time.Time, loc *time.Location) int {
	t = t.In(loc)
	return t.Hour()*4 + t.Minute()/15
}

func channelFill(ch string) string {
	if f, ok := channelFills[ch]; ok {
		return f
	}
	return channelFills[""]
}
