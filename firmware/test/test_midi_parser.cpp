#include "midi_parser.h"
#include "testlib.h"

#include <vector>

static std::vector<MidiEvent> parse_all(MidiParser *p, std::vector<uint8_t> bytes) {
    std::vector<MidiEvent> out;
    for (uint8_t b : bytes) {
        MidiEvent e = midi_parse(p, b);
        if (e.type != MIDI_EV_NONE) out.push_back(e);
    }
    return out;
}

TEST(parser_note_on) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {0x90, 36, 100});
    CHECK_EQ(ev.size(), 1);
    CHECK_EQ(ev[0].type, MIDI_EV_CHANNEL);
    CHECK_EQ(ev[0].status, 0x90);
    CHECK_EQ(ev[0].data1, 36);
    CHECK_EQ(ev[0].data2, 100);
}

TEST(parser_running_status) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {0x99, 36, 100, 38, 90, 36, 0});
    CHECK_EQ(ev.size(), 3);
    CHECK_EQ(ev[1].status, 0x99);
    CHECK_EQ(ev[1].data1, 38);
    CHECK_EQ(ev[2].data2, 0);
}

TEST(parser_one_data_byte_messages_keep_running_status) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {0xC0, 5, 6, 0xD1, 7});
    CHECK_EQ(ev.size(), 3);
    CHECK_EQ(ev[1].data1, 6);
    CHECK_EQ(ev[2].status, 0xD1);
}

TEST(parser_realtime_inside_message) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {0x90, 0xF8, 36, 0xFE, 100});
    CHECK_EQ(ev.size(), 3);
    CHECK_EQ(ev[0].type, MIDI_EV_REALTIME);
    CHECK_EQ(ev[0].status, 0xF8);
    CHECK_EQ(ev[1].status, 0xFE);
    CHECK_EQ(ev[2].type, MIDI_EV_CHANNEL);
    CHECK_EQ(ev[2].data1, 36);
    CHECK_EQ(ev[2].data2, 100);
}

TEST(parser_sysex_with_realtime_inside) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {0xF0, 0x7D, 0xF8, 0x01, 0xF7});
    CHECK_EQ(ev.size(), 2);
    CHECK_EQ(ev[1].type, MIDI_EV_SYSEX);
    CHECK_EQ(ev[1].sysex_len, 2);
    CHECK_EQ(ev[1].sysex[0], 0x7D);
    CHECK_EQ(ev[1].sysex[1], 0x01);
}

TEST(parser_sysex_cancels_running_status) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {0x90, 36, 100, 0xF0, 0x7D, 0xF7, 36, 100});
    CHECK_EQ(ev.size(), 4);
    CHECK_EQ(ev[2].type, MIDI_EV_ERROR);  // stray data after SysEx
    CHECK_EQ(ev[3].type, MIDI_EV_ERROR);
}

TEST(parser_sysex_overflow_is_an_error) {
    MidiParser p;
    midi_parser_reset(&p);
    std::vector<uint8_t> bytes = {0xF0};
    for (int i = 0; i < MIDI_SYSEX_MAX + 5; i++) bytes.push_back(0x11);
    bytes.push_back(0xF7);
    auto ev = parse_all(&p, bytes);
    CHECK_EQ(ev.size(), 1);
    CHECK_EQ(ev[0].type, MIDI_EV_ERROR);
}

TEST(parser_status_cuts_sysex_and_starts_its_message) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {0xF0, 0x7D, 0x01, 0x90, 36, 100});
    CHECK_EQ(ev.size(), 2);
    CHECK_EQ(ev[0].type, MIDI_EV_ERROR);
    CHECK_EQ(ev[1].type, MIDI_EV_CHANNEL);
    CHECK_EQ(ev[1].data1, 36);
}

TEST(parser_stray_bytes_are_errors) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {36, 0xF7, 0xF4, 0xF5, 0x90, 36, 100});
    CHECK_EQ(ev.size(), 5);
    CHECK_EQ(ev[0].type, MIDI_EV_ERROR);
    CHECK_EQ(ev[1].type, MIDI_EV_ERROR);
    CHECK_EQ(ev[2].type, MIDI_EV_ERROR);
    CHECK_EQ(ev[3].type, MIDI_EV_ERROR);
    CHECK_EQ(ev[4].type, MIDI_EV_CHANNEL);
}

TEST(parser_system_common_clears_running_status) {
    MidiParser p;
    midi_parser_reset(&p);
    auto ev = parse_all(&p, {0x90, 36, 100, 0xF2, 1, 2, 36, 100, 0xF6, 0xF3, 4});
    CHECK_EQ(ev.size(), 6);
    CHECK_EQ(ev[1].type, MIDI_EV_COMMON);
    CHECK_EQ(ev[1].status, 0xF2);
    CHECK_EQ(ev[2].type, MIDI_EV_ERROR);
    CHECK_EQ(ev[4].type, MIDI_EV_COMMON);
    CHECK_EQ(ev[4].status, 0xF6);
    CHECK_EQ(ev[5].status, 0xF3);
}

// After any garbage, a complete note-on is always recognised (no wedge).
TEST(parser_never_wedges_after_random_garbage) {
    MidiParser p;
    midi_parser_reset(&p);
    uint32_t x = 12345;
    for (int round = 0; round < 5000; round++) {
        int n = round % 40;
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            midi_parse(&p, (uint8_t)x);
        }
        midi_parse(&p, 0x90);
        midi_parse(&p, 36);
        MidiEvent e = midi_parse(&p, 99);
        CHECK_EQ(e.type, MIDI_EV_CHANNEL);
        CHECK_EQ(e.status, 0x90);
        CHECK_EQ(e.data2, 99);
        if (e.type != MIDI_EV_CHANNEL) return;
    }
}
