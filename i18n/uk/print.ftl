# Написи на друкованому квитку (українська). Параметри: $count, $minutes.
# Ukrainian plural forms (CLDR): one, few, many, other.
ticket = Ваш номер
people-ahead = { $count ->
    [0] Перед вами нікого немає
    [one] Перед вами { $count } особа
    [few] Перед вами { $count } особи
   *[other] Перед вами { $count } осіб
}
estimated-wait = Орієнтовний час очікування: { $minutes ->
    [0] менше 1 хв
   *[other] { $minutes } хв
}
issued = Видано
