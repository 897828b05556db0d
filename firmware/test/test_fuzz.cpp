// Seeded random byte streams through the whole firmware logic. Checks, from
// the pins alone: no motor is driven longer than its max on-time, IN1 and IN2
// are never high together, every motor is off once the heartbeat is lost, and
// the parser always recovers (a panic, defaults and a note-on still strike).
#include <algorithm>

#include "support.h"
#include "testlib.h"

struct Rng {
    uint64_t s;
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return (uint32_t)(s >> 11);
    }
    uint32_t below(uint32_t n) { return next() % n; }
};

// One chunk of host traffic: pure noise, realistic MIDI, or SysEx for us.
static Bytes random_chunk(Rng &rng, bool allow_config) {
    Bytes out;
    switch (rng.below(6)) {
    case 0:
        for (uint32_t i = rng.below(12); i > 0; i--) out.push_back((uint8_t)rng.next());
        break;
    case 1:
        out = {(uint8_t)(0x90 | rng.below(16)), (uint8_t)(rng.below(2) ? 36 : 38),
               (uint8_t)rng.below(128)};
        break;
    case 2:
        out = {(uint8_t)(rng.below(2) ? 36 : 38), (uint8_t)rng.below(128)};  // running status
        break;
    case 3:
        out = {0xFE};
        break;
    case 4: {
        static const uint8_t safe[] = {DB_CMD_HELLO, DB_CMD_CAL_GET, DB_CMD_STATUS_GET,
                                       DB_CMD_TEST_STRIKE, DB_CMD_PANIC, DB_CMD_MAP_GET};
        static const uint8_t config[] = {DB_CMD_CAL_SET, DB_CMD_MAP_SET, DB_CMD_DEFAULTS};
        uint8_t cmd = allow_config && rng.below(2) ? config[rng.below(3)] : safe[rng.below(6)];
        out = {0xF0, 0x7D, cmd};
        uint32_t len = cmd == DB_CMD_CAL_SET ? 16 : cmd == DB_CMD_MAP_SET ? 17 : rng.below(3);
        for (uint32_t i = 0; i < len; i++) {
            uint8_t v = (uint8_t)rng.below(128);
            if (i == 0) v = (uint8_t)rng.below(5);  // mostly valid motors
            if (cmd == DB_CMD_CAL_SET && i % 2 == 0 && i < 13 && rng.below(3)) v = 0;  // high 7 bits
            out.push_back(v);
        }
        if (rng.below(8)) out.push_back(0xF7);
        break;
    }
    default:
        out = {(uint8_t)(0xF8 + rng.below(8))};
        break;
    }
    return out;
}

struct FuzzStats {
    uint32_t strikes;
    uint32_t losses;
    uint32_t max_on_us[DB_MOTOR_COUNT];
};

static FuzzStats fuzz(uint64_t seed, int chunks, bool allow_config, uint32_t on_limit_us) {
    Rng rng{seed};
    drum_begin(DB_RESET_POWER_ON);
    FuzzStats st = {};
    bool hb_seen = false;
    uint32_t last_byte = 0;
    uint32_t on_since[DB_MOTOR_COUNT] = {};
    bool on[DB_MOTOR_COUNT] = {};
    size_t log_pos = 0;
    uint8_t in1[DB_MOTOR_COUNT] = {}, in2[DB_MOTOR_COUNT] = {};

    auto check_pins = [&]() {
        auto &log = fake_pin_log();
        for (; log_pos < log.size(); log_pos++) {
            const PinEvent &e = log[log_pos];
            for (int m = 0; m < DB_MOTOR_COUNT; m++) {
                if (e.pin == kTestPins[m][0]) in1[m] = e.level;
                if (e.pin == kTestPins[m][1]) in2[m] = e.level;
                CHECK(!(in1[m] && in2[m]));
                bool now_on = in1[m] || in2[m];
                if (now_on && !on[m]) on_since[m] = e.t_us;
                on[m] = now_on;
            }
        }
        for (int m = 0; m < DB_MOTOR_COUNT; m++) {
            if (!on[m]) continue;
            uint32_t dur = fake_now_us() - on_since[m];
            st.max_on_us[m] = std::max(st.max_on_us[m], dur);
            CHECK(dur <= on_limit_us + kLoopUs);
            if (hb_seen) CHECK(fake_now_us() - last_byte <= 300000 + kLoopUs);
            if (dur > on_limit_us + kLoopUs) return false;
        }
        return true;
    };
    auto step = [&](uint32_t us) {
        for (uint32_t t = 0; t < us; t += kLoopUs) {
            fake_advance_us(kLoopUs);
            drum_poll();
            if (!check_pins()) return false;
        }
        return true;
    };

    for (int c = 0; c < chunks; c++) {
        for (uint8_t b : random_chunk(rng, allow_config)) {
            if (!step(kByteUs)) return st;
            drum_feed(b);
            last_byte = fake_now_us();
            hb_seen |= b == 0xFE;
            drum_poll();
            check_pins();
        }
        replies();
        uint32_t r = rng.below(100);
        if (!step(r < 2 ? 250000 + rng.below(150000) : r < 10 ? rng.below(40000) : rng.below(500))) {
            return st;
        }
        if (c % 500 == 499) {  // the parser must still understand a note
            uint32_t before = drum_counter(DB_CTR_STRIKES);
            for (uint8_t b : Bytes{0xF0, 0x7D, DB_CMD_PANIC, 0xF7, 0xF0, 0x7D, DB_CMD_DEFAULTS, 0xF7}) {
                step(kByteUs);
                drum_feed(b);
            }
            step(100000);
            for (uint8_t b : Bytes{0xFE, 0x90, 36, 127}) {
                step(kByteUs);
                drum_feed(b);
            }
            last_byte = fake_now_us();
            drum_poll();
            CHECK_EQ(drum_counter(DB_CTR_STRIKES), before + 1);
            CHECK_EQ(motor_state(0), DRIVE_FORWARD);
        }
    }
    st.strikes = drum_counter(DB_CTR_STRIKES);
    st.losses = drum_counter(DB_CTR_HEARTBEAT_LOSSES);
    return st;
}

TEST(fuzz_without_config_changes_respects_default_max_on) {
    for (uint64_t seed = 1; seed <= 3; seed++) {
        fake_reset();
        FuzzStats st = fuzz(seed * 7919, 6000, false, 100000);
        CHECK(st.strikes > 100);  // the stream really exercised the motors
        CHECK(st.losses > 0);
        uint32_t longest = *std::max_element(st.max_on_us, st.max_on_us + DB_MOTOR_COUNT);
        CHECK(longest >= 29000);
    }
}

TEST(fuzz_with_random_calibration_never_exceeds_hard_limit) {
    for (uint64_t seed = 1; seed <= 3; seed++) {
        fake_reset();
        FuzzStats st = fuzz(seed * 104729, 6000, true, DB_CAL_MAX_PHASE_MS * 1000UL);
        CHECK(st.strikes > 50);
    }
}
