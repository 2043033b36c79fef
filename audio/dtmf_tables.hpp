#pragma once
// Internal: the DTMF keypad (ITU-T Q.23), shared by generator and detector.

namespace scenario::audio::detail {

inline constexpr double kDtmfLow[4] = {697.0, 770.0, 852.0, 941.0};
inline constexpr double kDtmfHigh[4] = {1209.0, 1336.0, 1477.0, 1633.0};
inline constexpr char kDtmfKeys[4][4] = {
    {'1', '2', '3', 'A'}, {'4', '5', '6', 'B'}, {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}};

}  // namespace scenario::audio::detail
