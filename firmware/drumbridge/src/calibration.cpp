#include "calibration.h"

void cal_defaults(MotorCal *m) {
    m->forward_ms = 30;
    m->pause_ms = 20;
    m->back_ms = 30;
    m->latency_ms = 15;
    m->min_interval_ms = 90;
    m->max_on_ms = 100;
    m->vel_mode = DB_VEL_MODE_TIME;
    m->vel_floor_pct = 40;
    m->vel_curve = DB_VEL_CURVE_LINEAR;
}

void config_defaults(DrumConfig *c) {
    for (uint8_t i = 0; i < DB_MOTOR_COUNT; i++) {
        cal_defaults(&c->cal[i]);
    }
    c->map.channel = DB_CHANNEL_OMNI;
    for (uint8_t i = 0; i < DB_MAP_SLOTS; i++) {
        c->map.note[i] = 0;
        c->map.motor[i] = DB_MAP_EMPTY;
    }
    c->map.note[0] = 36;  // GM kick
    c->map.motor[0] = 0;
    c->map.note[1] = 38;  // GM snare
    c->map.motor[1] = 1;
}

static void put14(uint8_t *out, uint16_t v) {
    out[0] = v & 0x7F;
    out[1] = (v >> 7) & 0x7F;
}

static uint16_t get14(const uint8_t *in) {
    return (uint16_t)(in[0] & 0x7F) | ((uint16_t)(in[1] & 0x7F) << 7);
}

void cal_encode(const MotorCal *m, uint8_t *out) {
    put14(out + 0, m->forward_ms);
    put14(out + 2, m->pause_ms);
    put14(out + 4, m->back_ms);
    put14(out + 6, m->latency_ms);
    put14(out + 8, m->min_interval_ms);
    put14(out + 10, m->max_on_ms);
    out[12] = m->vel_mode;
    out[13] = m->vel_floor_pct;
    out[14] = m->vel_curve;
}

bool cal_decode(const uint8_t *in, MotorCal *out) {
    for (uint8_t i = 0; i < DB_CAL_WIRE_LEN; i++) {
        if (in[i] > 0x7F) return false;
    }
    MotorCal m;
    m.forward_ms = get14(in + 0);
    m.pause_ms = get14(in + 2);
    m.back_ms = get14(in + 4);
    m.latency_ms = get14(in + 6);
    m.min_interval_ms = get14(in + 8);
    m.max_on_ms = get14(in + 10);
    m.vel_mode = in[12];
    m.vel_floor_pct = in[13];
    m.vel_curve = in[14];
    if (m.forward_ms > DB_CAL_MAX_PHASE_MS || m.pause_ms > DB_CAL_MAX_PHASE_MS ||
        m.back_ms > DB_CAL_MAX_PHASE_MS || m.latency_ms > DB_CAL_MAX_PHASE_MS ||
        m.max_on_ms > DB_CAL_MAX_PHASE_MS || m.max_on_ms == 0 ||
        m.min_interval_ms > DB_CAL_MAX_INTERVAL_MS || m.vel_mode > DB_VEL_MODE_FIXED ||
        m.vel_floor_pct > 100 || m.vel_curve > DB_VEL_CURVE_QUADRATIC) {
        return false;
    }
    *out = m;
    return true;
}

void map_encode(const NoteMap *m, uint8_t *out) {
    out[0] = m->channel;
    for (uint8_t i = 0; i < DB_MAP_SLOTS; i++) {
        out[1 + 2 * i] = m->note[i];
        out[2 + 2 * i] = m->motor[i];
    }
}

bool map_decode(const uint8_t *in, NoteMap *out) {
    if (in[0] > 15 && in[0] != DB_CHANNEL_OMNI) return false;
    NoteMap m;
    m.channel = in[0];
    for (uint8_t i = 0; i < DB_MAP_SLOTS; i++) {
        uint8_t note = in[1 + 2 * i];
        uint8_t motor = in[2 + 2 * i];
        if (note > 0x7F) return false;
        if (motor >= DB_MOTOR_COUNT && motor != DB_MAP_EMPTY) return false;
        m.note[i] = note;
        m.motor[i] = motor;
    }
    *out = m;
    return true;
}

uint8_t map_lookup(const NoteMap *m, uint8_t channel, uint8_t note) {
    if (m->channel != DB_CHANNEL_OMNI && m->channel != channel) return DB_MAP_EMPTY;
    for (uint8_t i = 0; i < DB_MAP_SLOTS; i++) {
        if (m->motor[i] != DB_MAP_EMPTY && m->note[i] == note) return m->motor[i];
    }
    return DB_MAP_EMPTY;
}

uint16_t cal_velocity_scale(const MotorCal *m, uint8_t velocity) {
    if (velocity < 1) velocity = 1;
    if (velocity > 127) velocity = 127;
    uint16_t x = velocity - 1;  // 0..126
    uint16_t frac;              // 0..1000, floor of x/126 (or (x/126)^2) * 1000
    if (m->vel_curve == DB_VEL_CURVE_QUADRATIC) {
        frac = (uint32_t)x * x * 250UL / 3969UL;
    } else {
        frac = (uint16_t)(((uint32_t)x * 8127U) >> 10);  // = x * 1000 / 126 for x <= 126
    }
    // floor + (1000 - floor) * frac / 1000, computed as (100 - pct) * frac / 100
    // = ((.. >> 2) * 5243) >> 17: the same integer, without a slow AVR division.
    // test_calibration checks it against the plain formula for every input.
    uint32_t span = (uint32_t)(100 - m->vel_floor_pct) * frac;
    return (uint16_t)m->vel_floor_pct * 10 + (uint16_t)(((span >> 2) * 5243UL) >> 17);
}

uint32_t cal_forward_us_scaled(const MotorCal *m, uint16_t scale) {
    if (m->vel_mode == DB_VEL_MODE_TIME || m->vel_mode == DB_VEL_MODE_BOTH) {
        return (uint32_t)m->forward_ms * scale;
    }
    return (uint32_t)m->forward_ms * 1000UL;
}

uint8_t cal_forward_pwm_scaled(const MotorCal *m, uint16_t scale) {
    if ((m->vel_mode == DB_VEL_MODE_PWM || m->vel_mode == DB_VEL_MODE_BOTH) && scale < 1000) {
        uint16_t pwm = (uint32_t)scale * 255UL / 1000UL;
        return pwm == 0 ? 1 : (uint8_t)pwm;
    }
    return 255;
}

uint32_t cal_forward_us(const MotorCal *m, uint8_t velocity) {
    return cal_forward_us_scaled(m, cal_velocity_scale(m, velocity));
}

uint8_t cal_forward_pwm(const MotorCal *m, uint8_t velocity) {
    return cal_forward_pwm_scaled(m, cal_velocity_scale(m, velocity));
}

uint16_t crc16_ccitt(const uint8_t *data, uint16_t len) {
    uint16_t crc = 0xFFFF;
    for (uint16_t i = 0; i < len; i++) {
        crc ^= (uint16_t)data[i] << 8;
        for (uint8_t b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

void config_to_image(const DrumConfig *c, uint8_t *image) {
    image[0] = EE_MAGIC;
    image[1] = EE_LAYOUT_VERSION;
    map_encode(&c->map, image + 2);
    for (uint8_t i = 0; i < DB_MOTOR_COUNT; i++) {
        cal_encode(&c->cal[i], image + 2 + DB_MAP_WIRE_LEN + i * DB_CAL_WIRE_LEN);
    }
    uint16_t crc = crc16_ccitt(image, 2 + EE_PAYLOAD_LEN);
    image[2 + EE_PAYLOAD_LEN] = crc & 0xFF;
    image[3 + EE_PAYLOAD_LEN] = crc >> 8;
}

uint8_t config_from_image(const uint8_t *image, DrumConfig *c) {
    config_defaults(c);
    if (image[0] != EE_MAGIC) return DB_EEPROM_BLANK;
    if (image[1] != EE_LAYOUT_VERSION) return DB_EEPROM_OLD_LAYOUT;
    uint16_t crc = crc16_ccitt(image, 2 + EE_PAYLOAD_LEN);
    if (image[2 + EE_PAYLOAD_LEN] != (crc & 0xFF) || image[3 + EE_PAYLOAD_LEN] != (crc >> 8)) {
        return DB_EEPROM_BAD_CHECKSUM;
    }
    DrumConfig loaded;
    config_defaults(&loaded);
    bool ok = map_decode(image + 2, &loaded.map);
    for (uint8_t i = 0; i < DB_MOTOR_COUNT && ok; i++) {
        ok = cal_decode(image + 2 + DB_MAP_WIRE_LEN + i * DB_CAL_WIRE_LEN, &loaded.cal[i]);
    }
    if (!ok) return DB_EEPROM_BAD_CHECKSUM;
    *c = loaded;
    return DB_EEPROM_LOADED;
}
