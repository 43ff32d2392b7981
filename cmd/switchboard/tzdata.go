package main

// The time zone database is built in (about 450 KB), so that calendars,
// settings.timezone and the panel's time zone checks work on an appliance
// image without /usr/share/zoneinfo.
import _ "time/tzdata"
