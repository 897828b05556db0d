// Byte-at-a-time MIDI parser: running status, realtime bytes anywhere
// (also inside SysEx), SysEx capture, and recovery from any garbage.
#pragma once
#include <stdint.h>

#define MIDI_SYSEX_MAX 32  // bytes kept between F0 and F7 (id, command, data)

enum MidiEventType : uint8_t {
    MIDI_EV_NONE = 0,    // byte consumed, nothing complete yet
    MIDI_EV_CHANNEL,     // a complete channel message (status, data1, data2)
    MIDI_EV_REALTIME,    // a single realtime byte (status)
    MIDI_EV_COMMON,      // a complete system common message (ignored by the drum)
    MIDI_EV_SYSEX,       // a complete SysEx; body in sysex/sysex_len without F0/F7
    MIDI_EV_ERROR,       // the byte (or what it cut short) was malformed
};

struct MidiEvent {
    MidiEventType type;
    uint8_t status;
    uint8_t data1;
    uint8_t data2;
    const uint8_t *sysex;
    uint8_t sysex_len;
};

struct MidiParser {
    uint8_t status;      // running status, 0 = none
    uint8_t data[2];
    uint8_t count;       // data bytes collected for status
    uint8_t need;        // data bytes status needs
    bool in_sysex;
    bool sysex_overflow;
    uint8_t sysex_len;
    uint8_t sysex[MIDI_SYSEX_MAX];
};

void midi_parser_reset(MidiParser *p);
// Feeds one byte. A status byte that cuts a SysEx short reports MIDI_EV_ERROR
// and is still taken as the start of its own message.
MidiEvent midi_parse(MidiParser *p, uint8_t byte);
