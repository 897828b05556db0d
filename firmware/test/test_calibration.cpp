#include "calibration.h"
#include "testlib.h"

TEST(cal_defaults_encode_golden_bytes) {
    MotorCal m;
    cal_defaults(&m);
    uint8_t out[DB_CAL_WIRE_LEN];
    cal_encode(&m, out);
    const uint8_t golden[DB_CAL_WIRE_LEN] = {0x1E, 0x00, 0x14, 0x00, 0x1E, 0x00, 0x0F, 0x00,
                                             0x5A, 0x00, 0x64, 0x00, 0x00, 0x28, 0x00};
    for (int i = 0; i < DB_CAL_WIRE_LEN; i++) CHECK_EQ(out[i], golden[i]);
}

TEST(cal_14bit_fields_low_seven_bits_first) {
    MotorCal m;
    cal_defaults(&m);
    m.max_on_ms = 1000;  // 7 * 128 + 104
    m.min_interval_ms = 10000;
    uint8_t out[DB_CAL_WIRE_LEN];
    cal_encode(&m, out);
    CHECK_EQ(out[10], 0x68);
    CHECK_EQ(out[11], 0x07);
    MotorCal back;
    CHECK(cal_decode(out, &back));
    CHECK_EQ(back.max_on_ms, 1000);
    CHECK_EQ(back.min_interval_ms, 10000);
}

TEST(cal_decode_rejects_out_of_range) {
    MotorCal m, out;
    cal_defaults(&m);
    cal_defaults(&out);
    out.forward_ms = 7;
    uint8_t wire[DB_CAL_WIRE_LEN];

    m.forward_ms = 1001;
    cal_encode(&m, wire);
    CHECK(!cal_decode(wire, &out));
    cal_defaults(&m);
    m.max_on_ms = 0;
    cal_encode(&m, wire);
    CHECK(!cal_decode(wire, &out));
    cal_defaults(&m);
    m.vel_mode = 4;
    cal_encode(&m, wire);
    CHECK(!cal_decode(wire, &out));
    cal_defaults(&m);
    m.vel_floor_pct = 101;
    cal_encode(&m, wire);
    CHECK(!cal_decode(wire, &out));
    cal_defaults(&m);
    cal_encode(&m, wire);
    wire[3] = 0x80;
    CHECK(!cal_decode(wire, &out));
    CHECK_EQ(out.forward_ms, 7);  // untouched on failure
}

TEST(cal_velocity_scale_linear_and_quadratic) {
    MotorCal m;
    cal_defaults(&m);
    CHECK_EQ(cal_velocity_scale(&m, 127), 1000);
    CHECK_EQ(cal_velocity_scale(&m, 1), 400);
    CHECK_EQ(cal_velocity_scale(&m, 64), 700);
    CHECK_EQ(cal_forward_us(&m, 64), 21000);
    CHECK_EQ(cal_forward_pwm(&m, 64), 255);
    m.vel_curve = DB_VEL_CURVE_QUADRATIC;
    CHECK_EQ(cal_velocity_scale(&m, 64), 550);
    m.vel_mode = DB_VEL_MODE_PWM;
    CHECK_EQ(cal_forward_us(&m, 64), 30000);
    CHECK_EQ(cal_forward_pwm(&m, 64), 140);
    m.vel_mode = DB_VEL_MODE_FIXED;
    CHECK_EQ(cal_forward_us(&m, 1), 30000);
    CHECK_EQ(cal_forward_pwm(&m, 1), 255);
}

TEST(map_defaults_and_lookup) {
    DrumConfig c;
    config_defaults(&c);
    CHECK_EQ(map_lookup(&c.map, 9, 36), 0);
    CHECK_EQ(map_lookup(&c.map, 0, 38), 1);
    CHECK_EQ(map_lookup(&c.map, 0, 40), DB_MAP_EMPTY);
    c.map.channel = 9;
    CHECK_EQ(map_lookup(&c.map, 9, 36), 0);
    CHECK_EQ(map_lookup(&c.map, 0, 36), DB_MAP_EMPTY);
}

TEST(map_wire_golden_and_validation) {
    DrumConfig c;
    config_defaults(&c);
    uint8_t wire[DB_MAP_WIRE_LEN];
    map_encode(&c.map, wire);
    const uint8_t golden[DB_MAP_WIRE_LEN] = {0x7F, 36, 0, 38, 1, 0, 0x7F, 0, 0x7F, 0, 0x7F,
                                             0, 0x7F, 0, 0x7F, 0, 0x7F};
    for (int i = 0; i < DB_MAP_WIRE_LEN; i++) CHECK_EQ(wire[i], golden[i]);
    NoteMap m;
    wire[0] = 16;
    CHECK(!map_decode(wire, &m));
    wire[0] = 3;
    wire[2] = 4;  // motor 4 does not exist
    CHECK(!map_decode(wire, &m));
    wire[2] = 3;
    CHECK(map_decode(wire, &m));
    CHECK_EQ(m.channel, 3);
    CHECK_EQ(map_lookup(&m, 3, 36), 3);
}

TEST(eeprom_image_roundtrip_and_corruption) {
    DrumConfig c, loaded;
    config_defaults(&c);
    c.cal[2].forward_ms = 44;
    c.map.note[3] = 42;
    c.map.motor[3] = 2;
    uint8_t image[EE_IMAGE_LEN];
    config_to_image(&c, image);
    CHECK_EQ(config_from_image(image, &loaded), DB_EEPROM_LOADED);
    CHECK_EQ(loaded.cal[2].forward_ms, 44);
    CHECK_EQ(map_lookup(&loaded.map, 0, 42), 2);
    image[10] ^= 1;
    CHECK_EQ(config_from_image(image, &loaded), DB_EEPROM_BAD_CHECKSUM);
    CHECK_EQ(loaded.cal[2].forward_ms, 30);  // defaults
    image[10] ^= 1;
    image[1] = 9;
    CHECK_EQ(config_from_image(image, &loaded), DB_EEPROM_OLD_LAYOUT);
    image[0] = 0xFF;
    CHECK_EQ(config_from_image(image, &loaded), DB_EEPROM_BLANK);
}

TEST(crc16_ccitt_known_value) {
    const uint8_t text[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    CHECK_EQ(crc16_ccitt(text, 9), 0x29B1);  // CRC-16/CCITT-FALSE check value
}

// The AVR-friendly integer form must equal the plain formula for every input.
TEST(cal_velocity_scale_matches_reference_formula) {
    MotorCal m;
    cal_defaults(&m);
    for (int curve = 0; curve <= 1; curve++) {
        for (int pct = 0; pct <= 100; pct++) {
            for (int v = 1; v <= 127; v++) {
                m.vel_curve = curve;
                m.vel_floor_pct = pct;
                long x = v - 1;
                long frac = curve ? x * x * 1000 / (126 * 126) : x * 1000 / 126;
                long want = pct * 10 + (1000 - pct * 10) * frac / 1000;
                CHECK_EQ(cal_velocity_scale(&m, v), want);
                if (cal_velocity_scale(&m, v) != want) return;
            }
        }
    }
}
