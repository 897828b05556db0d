#include "support.h"
#include "testlib.h"

static void check_bytes(const Bytes &got, const Bytes &want, int line) {
    if (got != want) {
        std::printf("  line %d got :", line);
        for (uint8_t b : got) std::printf(" %02X", b);
        std::printf("\n  line %d want:", line);
        for (uint8_t b : want) std::printf(" %02X", b);
        std::printf("\n");
    }
    CHECK(got == want);
}
#define CHECK_BYTES(got, ...) check_bytes(got, Bytes(__VA_ARGS__), __LINE__)

static void boot(uint8_t flags = DB_RESET_POWER_ON) {
    drum_begin(flags);
    replies();
}

TEST(drum_boot_notice_golden) {
    drum_begin(DB_RESET_POWER_ON);
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x70, 0x01, 0x01, 0x00, 0x00, 0x01, 0x01, 0x04, 0x00, 0xF7});
    drum_begin(DB_RESET_WATCHDOG | DB_RESET_BROWN_OUT);
    Bytes b = replies();
    CHECK_EQ(b[7], 0x0C);
}

TEST(drum_hello_golden) {
    boot();
    send({0xF0, 0x7D, 0x01, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x41, 0x01, 0x01, 0x00, 0x00, 0x04, 0x00, 0xF7});
}

TEST(drum_notes_strike_mapped_motors) {
    boot();
    send({0x99, 36, 127});
    CHECK_EQ(motor_state(0), DRIVE_FORWARD);
    CHECK_EQ(motor_state(1), DRIVE_OFF);
    send({38, 100});  // running status
    CHECK_EQ(motor_state(1), DRIVE_FORWARD);
    send({40, 100, 0x80, 36, 64});  // unmapped note, note-off
    CHECK_EQ(drum_counter(DB_CTR_NOTES), 3);
    CHECK_EQ(drum_counter(DB_CTR_STRIKES), 2);
    run_us(100000);
    CHECK_EQ(motor_state(0), DRIVE_OFF);
    send({0x90, 36, 0});  // velocity 0 = note-off
    CHECK_EQ(motor_state(0), DRIVE_OFF);
    CHECK_EQ(drum_counter(DB_CTR_STRIKES), 2);
}

TEST(drum_restrike_refused_and_counted) {
    boot();
    send({0x90, 36, 127});
    run_us(40000);
    send({0x90, 36, 127});
    CHECK_EQ(drum_counter(DB_CTR_REFUSED_TOO_SOON), 1);
    CHECK_EQ(drum_counter(DB_CTR_STRIKES), 1);
}

TEST(drum_cal_get_golden_and_set) {
    boot();
    send({0xF0, 0x7D, 0x02, 0x01, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x42, 0x01, 0x1E, 0x00, 0x14, 0x00, 0x1E, 0x00, 0x0F,
                            0x00, 0x5A, 0x00, 0x64, 0x00, 0x00, 0x28, 0x00, 0xF7});
    // motor 1: forward 40, pause 10, back 25, latency 12, interval 200, max on 1000
    send({0xF0, 0x7D, 0x03, 0x01, 40, 0, 10, 0, 25, 0, 12, 0, 0x48, 0x01, 0x68, 0x07, 0, 50, 1,
          0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x03, 0x00, 0xF7});
    CHECK_EQ(drum_config()->cal[1].min_interval_ms, 200);
    CHECK_EQ(drum_config()->cal[1].max_on_ms, 1000);
    CHECK_EQ(drum_config()->cal[1].vel_curve, 1);
}

TEST(drum_sysex_errors_are_acked) {
    boot();
    send({0xF0, 0x7D, 0x02, 0xF7});  // missing motor
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x02, 0x01, 0xF7});
    send({0xF0, 0x7D, 0x02, 0x04, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x02, 0x02, 0xF7});
    send({0xF0, 0x7D, 0x03, 0x00, 0x7F, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x03, 0x03, 0xF7});
    send({0xF0, 0x7D, 0x33, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x33, 0x04, 0xF7});
    send({0xF0, 0x7E, 0x01, 0xF7});  // someone else's SysEx: silence
    CHECK_EQ(replies().size(), 0);
    CHECK_EQ(drum_counter(DB_CTR_PARSE_ERRORS), 0);
    send({0xF0, 0x7D, 0xF7, 0x24, 0xF7});
    CHECK_EQ(drum_counter(DB_CTR_PARSE_ERRORS), 3);
}

TEST(drum_test_strike_and_panic) {
    boot();
    send({0xF0, 0x7D, 0x07, 0x02, 0x7F, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x07, 0x00, 0xF7});
    CHECK_EQ(motor_state(2), DRIVE_FORWARD);
    CHECK_EQ(drum_active_motors(), 0x04);
    send({0xF0, 0x7D, 0x07, 0x02, 0x7F, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x07, 0x06, 0xF7});
    send({0xF0, 0x7D, 0x08, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x08, 0x00, 0xF7});
    CHECK_EQ(motor_state(2), DRIVE_OFF);
    CHECK_EQ(drum_active_motors(), 0);
    send({0xF0, 0x7D, 0x07, 0x02, 0x00, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x07, 0x03, 0xF7});
}

TEST(drum_status_reply_layout) {
    boot();
    send({0xFE, 0x90, 36, 127, 0xF4});
    replies();
    run_us(2000);
    send({0xF0, 0x7D, 0x05, 0xF7});
    Bytes b = replies();
    CHECK_EQ(b.size(), 4 + 2 + 5 * DB_STATUS_COUNTERS);
    if (b.size() != 4 + 2 + 5 * DB_STATUS_COUNTERS) return;
    CHECK_EQ(b[2], 0x45);
    CHECK_EQ(b[3], DB_STATUS_FLAG_HEARTBEAT_SEEN);
    CHECK_EQ(b[4], 0x01);  // motor 0 driven
    auto counter = [&](int i) {
        uint32_t v = 0;
        for (int k = 4; k >= 0; k--) v = (v << 7) | b[5 + 5 * i + k];
        return v;
    };
    CHECK_EQ(counter(DB_CTR_UPTIME_MS), fake_now_us() / 1000);
    CHECK_EQ(counter(DB_CTR_BYTES_RX), 9);
    CHECK_EQ(counter(DB_CTR_NOTES), 1);
    CHECK_EQ(counter(DB_CTR_STRIKES), 1);
    CHECK_EQ(counter(DB_CTR_PARSE_ERRORS), 1);
    send({0xF0, 0x7D, 0x06, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x06, 0x00, 0xF7});
    CHECK_EQ(drum_counter(DB_CTR_STRIKES), 0);
}

TEST(drum_big_uptime_uses_five_bytes) {
    boot();
    fake_advance_us(4000000000u);  // 4e6 ms
    send({0xF0, 0x7D, 0x05, 0xF7});
    Bytes b = replies();
    uint32_t ms = fake_now_us() / 1000;
    CHECK_EQ(b[5], ms & 0x7F);
    CHECK_EQ(b[6], (ms >> 7) & 0x7F);
    CHECK_EQ(b[7], (ms >> 14) & 0x7F);
    CHECK_EQ(b[8], (ms >> 21) & 0x7F);
    CHECK_EQ(b[9], (ms >> 28) & 0x7F);
}

TEST(drum_map_get_set) {
    boot();
    send({0xF0, 0x7D, 0x09, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x49, 0x7F, 36, 0, 38, 1, 0, 0x7F, 0, 0x7F, 0, 0x7F, 0,
                            0x7F, 0, 0x7F, 0, 0x7F, 0xF7});
    // channel 10 (9), kick 35 -> motor 2, snare 40 -> motor 3
    send({0xF0, 0x7D, 0x0A, 9, 35, 2, 40, 3, 0, 0x7F, 0, 0x7F, 0, 0x7F, 0, 0x7F, 0, 0x7F, 0,
          0x7F, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x0A, 0x00, 0xF7});
    send({0x90, 35, 100});  // wrong channel
    CHECK_EQ(drum_active_motors(), 0);
    send({0x99, 35, 100, 40, 100});
    CHECK_EQ(drum_active_motors(), 0x0C);
    send({0xF0, 0x7D, 0x0B, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x0B, 0x00, 0xF7});
    CHECK_EQ(drum_config()->map.channel, DB_CHANNEL_OMNI);
}

TEST(drum_save_is_non_blocking_and_survives_reset) {
    boot();
    CHECK_EQ(fake_eeprom()[0], 0xFF);
    send({0xF0, 0x7D, 0x03, 0x00, 33, 0, 10, 0, 25, 0, 12, 0, 100, 0, 100, 0, 0, 50, 0, 0xF7});
    replies();
    send({0xF0, 0x7D, 0x04, 0xF7});
    CHECK_EQ(replies().size(), 0);  // still writing
    CHECK(drum_status_flags() & DB_STATUS_FLAG_SAVING);
    send({0xF0, 0x7D, 0x04, 0xF7});
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x04, 0x05, 0xF7});  // busy
    send({0x90, 36, 127});  // strikes keep working while the EEPROM is written
    CHECK_EQ(motor_state(0), DRIVE_FORWARD);
    run_us(EE_IMAGE_LEN * 3500);
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x04, 0x00, 0xF7});
    CHECK_EQ(fake_eeprom_writes(), EE_IMAGE_LEN);
    drum_begin(DB_RESET_EXTERNAL);
    Bytes b = replies();
    CHECK_EQ(b[7], DB_RESET_EXTERNAL);
    CHECK_EQ(b[8], DB_EEPROM_LOADED);
    CHECK_EQ(drum_config()->cal[0].forward_ms, 33);
    // Saving the same config again writes nothing.
    send({0xF0, 0x7D, 0x04, 0xF7});
    run_us(1000);
    CHECK_EQ(fake_eeprom_writes(), EE_IMAGE_LEN);
    CHECK_BYTES(replies(), {0xF0, 0x7D, 0x60, 0x04, 0x00, 0xF7});
}

TEST(drum_corrupt_eeprom_boots_with_defaults_and_fault) {
    DrumConfig c;
    config_defaults(&c);
    c.cal[0].forward_ms = 50;
    config_to_image(&c, fake_eeprom());
    fake_eeprom()[5] ^= 0x01;
    drum_begin(DB_RESET_POWER_ON);
    Bytes b = replies();
    CHECK_EQ(b[8], DB_EEPROM_BAD_CHECKSUM);
    CHECK_EQ(drum_config()->cal[0].forward_ms, 30);
    CHECK(drum_status_flags() & DB_STATUS_FLAG_FAULT);
}

TEST(drum_heartbeat_loss_stops_motors) {
    boot();
    run_us(1000000);  // no heartbeat seen yet: silence is fine
    CHECK_EQ(drum_counter(DB_CTR_HEARTBEAT_LOSSES), 0);
    send({0xFE});
    uint32_t last_byte = fake_now_us();
    // A long strike that would outlast the heartbeat.
    send({0xF0, 0x7D, 0x03, 0x00, 0x68, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0x68, 0x07, 0, 100, 0, 0xF7});
    send({0x90, 36, 127});
    last_byte = fake_now_us();
    CHECK_EQ(motor_state(0), DRIVE_FORWARD);
    run_us(299000);
    CHECK_EQ(motor_state(0), DRIVE_FORWARD);
    run_us(2000);
    CHECK_EQ(motor_state(0), DRIVE_OFF);
    CHECK_EQ(drum_counter(DB_CTR_HEARTBEAT_LOSSES), 1);
    CHECK(drum_status_flags() & DB_STATUS_FLAG_HEARTBEAT_LOST);
    auto ch = drive_changes(0);
    CHECK_NEAR(ch.back().t_us - last_byte, 300000, 20);
    // A half message before the loss is dropped; the next byte resumes.
    send({0x90, 36});
    run_us(400000);
    send({127});
    CHECK_EQ(motor_state(0), DRIVE_OFF);
    CHECK(!(drum_status_flags() & DB_STATUS_FLAG_HEARTBEAT_LOST));
    send({0x90, 36, 127});
    CHECK_EQ(motor_state(0), DRIVE_FORWARD);
}

TEST(drum_led_codes) {
    boot();
    // No host: 5 Hz
    std::vector<uint32_t> toggles;
    size_t start = fake_pin_log().size();
    run_us(1000000);
    for (size_t i = start; i < fake_pin_log().size(); i++) {
        if (fake_pin_log()[i].pin == DB_PIN_LED) toggles.push_back(fake_pin_log()[i].t_us);
    }
    CHECK_NEAR(toggles.size(), 10, 1);
    // Host ok: 1 Hz
    toggles.clear();
    for (int i = 0; i < 20; i++) {
        send({0xFE});
        run_us(100000);
    }
    start = fake_pin_log().size();
    for (int i = 0; i < 10; i++) {
        send({0xFE});
        run_us(100000);
    }
    for (size_t i = start; i < fake_pin_log().size(); i++) {
        if (fake_pin_log()[i].pin == DB_PIN_LED) toggles.push_back(fake_pin_log()[i].t_us);
    }
    CHECK_NEAR(toggles.size(), 2, 1);
}

TEST(drum_reply_queue_overflow_is_counted) {
    boot();
    for (int i = 0; i < 5; i++) send({0xF0, 0x7D, 0x05, 0xF7});
    CHECK(drum_counter(DB_CTR_TX_DROPPED) >= 1);
    Bytes b = replies();
    CHECK(b.size() <= DRUM_TX_QUEUE);
    CHECK_EQ(b[0], 0xF0);
    CHECK_EQ(b.back(), 0xF7);
}

// 2^32 us after a strike, micros() has wrapped: the next note must not look
// like a re-strike 50 ms after the old one.
TEST(drum_micros_wrap_does_not_refuse_a_strike) {
    boot();
    send({0x90, 36, 127});
    for (uint32_t i = 0; i < 4294; i++) {
        fake_advance_us(1000000);
        drum_poll();
    }
    run_us(967296 + 50000 - 1000);  // 2^32 us + 50 ms after the first strike
    send({0x90, 36, 127});
    CHECK_EQ(drum_counter(DB_CTR_REFUSED_TOO_SOON), 0);
    CHECK_EQ(drum_counter(DB_CTR_STRIKES), 2);
}
