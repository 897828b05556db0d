// Per-motor strike calibration, the note map and channel: defaults, the
// 7-bit wire form, validation, velocity scaling and the EEPROM image.
#pragma once
#include <stdint.h>
#include "pins.h"
#include "protocol.h"

struct MotorCal {
    uint16_t forward_ms;       // drive forward at full velocity
    uint16_t pause_ms;         // coast with the stick on the skin
    uint16_t back_ms;          // drive backward (retract)
    uint16_t latency_ms;       // command -> stick on skin; stored for the host's look-ahead
    uint16_t min_interval_ms;  // strike start to next accepted strike start
    uint16_t max_on_ms;        // longest continuous drive allowed
    uint8_t vel_mode;          // DB_VEL_MODE_*
    uint8_t vel_floor_pct;     // scale at velocity 1, percent of full
    uint8_t vel_curve;         // DB_VEL_CURVE_*
};

struct NoteMap {
    uint8_t channel;                 // 0..15 or DB_CHANNEL_OMNI
    uint8_t note[DB_MAP_SLOTS];
    uint8_t motor[DB_MAP_SLOTS];     // DB_MAP_EMPTY = unused slot
};

struct DrumConfig {
    MotorCal cal[DB_MOTOR_COUNT];
    NoteMap map;
};

void config_defaults(DrumConfig *c);
void cal_defaults(MotorCal *m);

// 7-bit wire form (DB_CAL_WIRE_LEN bytes). Decode returns false when a field
// is out of range; *out is then untouched.
void cal_encode(const MotorCal *m, uint8_t *out);
bool cal_decode(const uint8_t *in, MotorCal *out);
void map_encode(const NoteMap *m, uint8_t *out);
bool map_decode(const uint8_t *in, NoteMap *out);

// Motor for a note on a channel, or DB_MAP_EMPTY.
uint8_t map_lookup(const NoteMap *m, uint8_t channel, uint8_t note);

// Velocity 1..127 -> per-mille scale 0..1000 by the motor's curve and floor.
uint16_t cal_velocity_scale(const MotorCal *m, uint8_t velocity);
uint32_t cal_forward_us(const MotorCal *m, uint8_t velocity);
uint8_t cal_forward_pwm(const MotorCal *m, uint8_t velocity);
// The same from a scale already computed (one division less on the hot path).
uint32_t cal_forward_us_scaled(const MotorCal *m, uint16_t scale);
uint8_t cal_forward_pwm_scaled(const MotorCal *m, uint16_t scale);

// EEPROM image: magic, layout version, payload, CRC-16.
#define EE_MAGIC 0xDB
#define EE_LAYOUT_VERSION 1
#define EE_PAYLOAD_LEN (DB_MAP_WIRE_LEN + DB_MOTOR_COUNT * DB_CAL_WIRE_LEN)
#define EE_IMAGE_LEN (2 + EE_PAYLOAD_LEN + 2)
void config_to_image(const DrumConfig *c, uint8_t *image);
// Returns DB_EEPROM_*; on anything but LOADED, *c holds the defaults.
uint8_t config_from_image(const uint8_t *image, DrumConfig *c);
uint16_t crc16_ccitt(const uint8_t *data, uint16_t len);
