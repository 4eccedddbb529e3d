// Package examples embeds the example specs, so that `slo serve --demo`
// runs from any directory.
package examples

import _ "embed"

// NotificationPlatformFile is the demo spec's file name, for messages.
const NotificationPlatformFile = "examples/notification-platform.yaml"

// NotificationPlatform is the seed's notification platform: four SLOs, an
// SLA, customer tiers and a dependency chain.
//
//go:embed notification-platform.yaml
var NotificationPlatform []byte
