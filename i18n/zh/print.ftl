# 票据上打印的文字（简体中文）。参数：$count、$minutes。
# Chinese has one plural form (other).
ticket = 您的号码
people-ahead = { $count ->
    [0] 您前面没有人等候
   *[other] 您前面还有 { $count } 人
}
estimated-wait = 预计等候时间：{ $minutes ->
    [0] 不到 1 分钟
   *[other] { $minutes } 分钟
}
issued = 取号时间
